// src/envs/mujoco/planar_walker.hpp — what Gymnasium's Hopper-v5 and Walker2d-v5 share
// (hopper_v5.py and walker2d_v5.py are the same code but for the model, the reward
// threshold and the health test):
//   obs        [qpos[1:], clip(qvel, -10, 10)] (the x position excluded)
//   reward     (forward + healthy_reward) - ctrl, forward = 1.0 * x_velocity,
//              healthy_reward = 1.0 if healthy else 0.0, ctrl = 1e-3 * sum(action**2)
//              (float32, the action's dtype); terminated = not healthy
//   info       x_position, z_distance_from_origin (qpos[1] - init_qpos[1]), x_velocity,
//              reward_forward, reward_ctrl, reward_survive; reset: the first two
//   reset      qpos, qvel = init + U(-5e-3, 5e-3)
// A task supplies its model (MujocoEnv's spec) and is_healthy(), read after the step.
#pragma once

#include <algorithm>

#include "envs/mujoco/mujoco_env.hpp"

namespace coagent::envs {

class PlanarWalker : public MujocoEnv {
 public:
  using MujocoEnv::MujocoEnv;

  int observation_size() const override { return nq() - 1 + nv(); }

 protected:
  void reset_model() override { reset_around_init(kResetNoise); }

  void reset_info() override {
    info_ = {{"x_position", data_->qpos[0]},
             {"z_distance_from_origin", data_->qpos[1] - init_qpos_[1]}};
  }

  StepResult step_task(std::span<const float> action) override {
    const double x_before = data_->qpos[0];
    do_simulation(action);
    const double x_after = data_->qpos[0];
    const double x_velocity = (x_after - x_before) / dt();
    const bool healthy = is_healthy();
    const double forward_reward = kForwardWeight * x_velocity;
    const double healthy_reward = healthy ? kHealthyReward : 0.0;
    const float ctrl_cost = control_cost(kCtrlCostWeight, action);
    StepResult r;
    r.reward = (forward_reward + healthy_reward) - static_cast<double>(ctrl_cost);
    r.terminated = !healthy;
    info_ = {{"x_position", x_after},
             {"z_distance_from_origin", data_->qpos[1] - init_qpos_[1]},
             {"x_velocity", x_velocity},
             {"reward_forward", forward_reward},
             {"reward_ctrl", -ctrl_cost},
             {"reward_survive", healthy_reward}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    std::size_t k = 0;
    for (int i = 1; i < nq(); ++i) obs[k++] = data_->qpos[i];
    for (int i = 0; i < nv(); ++i) obs[k++] = std::clamp(data_->qvel[i], -10.0, 10.0);
  }

 protected:
  virtual bool is_healthy() const = 0;

 private:
  static constexpr double kForwardWeight = 1.0;
  static constexpr double kCtrlCostWeight = 1e-3;
  static constexpr double kHealthyReward = 1.0;
  static constexpr double kResetNoise = 5e-3;
};

}  // namespace coagent::envs
