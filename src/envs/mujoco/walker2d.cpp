// src/envs/mujoco/walker2d.cpp — Gymnasium's Walker2d-v5, default arguments
// (gymnasium/envs/mujoco/walker2d_v5.py, 1.4.0):
//   walker2d_v5.xml, frame_skip 4 (dt 0.008), 1000 steps, no reward threshold
//   obs        [qpos[1:], clip(qvel, -10, 10)] (17: the x position excluded)
//   healthy    z = qpos[1] in (0.8, 2.0) and angle = qpos[2] in (-1, 1) (open
//              intervals); terminated = not healthy
//   reward     (forward + healthy_reward) - ctrl, forward = 1.0 * x_velocity,
//              healthy_reward = 1.0 if healthy else 0.0, ctrl = 1e-3 * sum(action**2)
//              (float32, the action's dtype)
//   info       x_position, z_distance_from_origin (qpos[1] - init_qpos[1]), x_velocity,
//              reward_forward, reward_ctrl, reward_survive; reset: the first two
//   reset      qpos, qvel = init + U(-5e-3, 5e-3)
#include <algorithm>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Walker2d final : public MujocoEnv {
 public:
  Walker2d() : MujocoEnv({"Walker2d-v5", "walker2d_v5.xml", 4, 1000, std::nullopt}) {}

  int observation_size() const override { return nq() - 1 + nv(); }

 protected:
  void reset_model() override {
    const std::vector<double> qpos = uniform_around(init_qpos_, kResetNoise);
    const std::vector<double> qvel = uniform_around(init_qvel_, kResetNoise);
    set_state(qpos, qvel);
  }

  void reset_info() override {
    info_ = {{"x_position", data_->qpos[0]},
             {"z_distance_from_origin", data_->qpos[1] - init_qpos_[1]}};
  }

  StepResult step_task(std::span<const float> action) override {
    const double x_before = data_->qpos[0];
    do_simulation(action);
    const double x_after = data_->qpos[0];
    const double x_velocity = (x_after - x_before) / dt();
    const double z = data_->qpos[1], angle = data_->qpos[2];
    const bool healthy = (0.8 < z && z < 2.0) && (-1.0 < angle && angle < 1.0);
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

 private:
  static constexpr double kForwardWeight = 1.0;
  static constexpr double kCtrlCostWeight = 1e-3;
  static constexpr double kHealthyReward = 1.0;
  static constexpr double kResetNoise = 5e-3;
};

}  // namespace

std::unique_ptr<Env> make_walker2d() { return std::make_unique<Walker2d>(); }

}  // namespace coagent::envs
