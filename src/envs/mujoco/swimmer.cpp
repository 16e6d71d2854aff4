// src/envs/mujoco/swimmer.cpp — Gymnasium's Swimmer-v5, default arguments
// (gymnasium/envs/mujoco/swimmer_v5.py, 1.4.0):
//   swimmer.xml, frame_skip 4 (dt 0.04), 1000 steps, reward threshold 360
//   obs        [qpos[2:], qvel] (8: the x, y position excluded)
//   velocity   (qpos[0:2] after - before) / dt
//   reward     forward - ctrl, forward = 1.0 * x_velocity, ctrl = 1e-4 * sum(action**2)
//              (float32, the action's dtype); never terminates
//   info       x_position, y_position, distance_from_origin (norm of qpos[0:2]),
//              x_velocity, y_velocity, reward_forward, reward_ctrl; reset: the first three
//   reset      qpos, qvel = init + U(-0.1, 0.1)
#include <array>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Swimmer final : public MujocoEnv {
 public:
  Swimmer() : MujocoEnv({"Swimmer-v5", "swimmer.xml", 4, 1000, 360.0}) {}

  int observation_size() const override { return nq() - 2 + nv(); }

 protected:
  void reset_model() override { reset_around_init(kResetNoise); }

  void reset_info() override {
    const std::array<double, 2> xy = {data_->qpos[0], data_->qpos[1]};
    info_ = {{"x_position", xy[0]}, {"y_position", xy[1]}, {"distance_from_origin", numpy_norm(xy)}};
  }

  StepResult step_task(std::span<const float> action) override {
    const std::array<double, 2> before = {data_->qpos[0], data_->qpos[1]};
    do_simulation(action);
    const std::array<double, 2> after = {data_->qpos[0], data_->qpos[1]};
    const double x_velocity = (after[0] - before[0]) / dt();
    const double y_velocity = (after[1] - before[1]) / dt();
    const double forward_reward = kForwardWeight * x_velocity;
    const float ctrl_cost = control_cost(kCtrlCostWeight, action);
    StepResult r;
    r.reward = forward_reward - static_cast<double>(ctrl_cost);
    info_ = {{"x_position", after[0]},
             {"y_position", after[1]},
             {"distance_from_origin", numpy_norm(after)},
             {"x_velocity", x_velocity},
             {"y_velocity", y_velocity},
             {"reward_forward", forward_reward},
             {"reward_ctrl", -ctrl_cost}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    std::size_t k = 0;
    for (int i = 2; i < nq(); ++i) obs[k++] = data_->qpos[i];
    for (int i = 0; i < nv(); ++i) obs[k++] = data_->qvel[i];
  }

 private:
  static constexpr double kForwardWeight = 1.0;
  static constexpr double kCtrlCostWeight = 1e-4;
  static constexpr double kResetNoise = 0.1;
};

}  // namespace

std::unique_ptr<Env> make_swimmer() { return std::make_unique<Swimmer>(); }

}  // namespace coagent::envs
