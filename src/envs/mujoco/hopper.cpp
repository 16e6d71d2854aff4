// src/envs/mujoco/hopper.cpp — Gymnasium's Hopper-v5, default arguments
// (gymnasium/envs/mujoco/hopper_v5.py, 1.4.0):
//   hopper.xml, frame_skip 4 (dt 0.008), 1000 steps, reward threshold 3800
//   obs        [qpos[1:], clip(qvel, -10, 10)] (11: the x position excluded)
//   healthy    every value of [qpos, qvel][2:] in (-100, 100), z = qpos[1] in (0.7, inf),
//              angle = qpos[2] in (-0.2, 0.2) (open intervals); terminated = not healthy
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

class Hopper final : public MujocoEnv {
 public:
  Hopper() : MujocoEnv({"Hopper-v5", "hopper.xml", 4, 1000, 3800.0}) {}

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

 private:
  bool is_healthy() const {
    const double z = data_->qpos[1], angle = data_->qpos[2];
    auto in_state_range = [](double s) { return -100.0 < s && s < 100.0; };
    const bool healthy_state = std::all_of(data_->qpos + 2, data_->qpos + nq(), in_state_range) &&
                               std::all_of(data_->qvel, data_->qvel + nv(), in_state_range);
    const bool healthy_z = 0.7 < z;  // the range's top is +inf
    const bool healthy_angle = -0.2 < angle && angle < 0.2;
    return healthy_state && healthy_z && healthy_angle;
  }

  static constexpr double kForwardWeight = 1.0;
  static constexpr double kCtrlCostWeight = 1e-3;
  static constexpr double kHealthyReward = 1.0;
  static constexpr double kResetNoise = 5e-3;
};

}  // namespace

std::unique_ptr<Env> make_hopper() { return std::make_unique<Hopper>(); }

}  // namespace coagent::envs
