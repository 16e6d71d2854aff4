// src/envs/mujoco/half_cheetah.cpp — Gymnasium's HalfCheetah-v5, default arguments
// (gymnasium/envs/mujoco/half_cheetah_v5.py, 1.4.0):
//   half_cheetah.xml, frame_skip 5 (dt 0.05), 1000 steps, reward threshold 4800
//   obs        [qpos[1:], qvel] (17: the x position excluded)
//   reward     forward - ctrl, forward = 1.0 * (x_after - x_before) / dt,
//              ctrl = 0.1 * sum(action**2) (float32, the action's dtype); never terminates
//   info       x_position, x_velocity, reward_forward, reward_ctrl; reset: x_position
//   reset      qpos = init + U(-0.1, 0.1); qvel = init + 0.1 * N(0, 1)
#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class HalfCheetah final : public MujocoEnv {
 public:
  HalfCheetah() : MujocoEnv({"HalfCheetah-v5", "half_cheetah.xml", 5, 1000, 4800.0}) {}

  int observation_size() const override { return nq() - 1 + nv(); }

 protected:
  void reset_model() override { reset_around_init(kResetNoise, true); }

  void reset_info() override { info_ = {{"x_position", data_->qpos[0]}}; }

  StepResult step_task(std::span<const float> action) override {
    const double x_before = data_->qpos[0];
    do_simulation(action);
    const double x_after = data_->qpos[0];
    const double x_velocity = (x_after - x_before) / dt();
    const double forward_reward = kForwardWeight * x_velocity;
    const float ctrl_cost = control_cost(kCtrlCostWeight, action);
    StepResult r;
    r.reward = forward_reward - static_cast<double>(ctrl_cost);
    info_ = {{"x_position", x_after},
             {"x_velocity", x_velocity},
             {"reward_forward", forward_reward},
             {"reward_ctrl", -ctrl_cost}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    std::size_t k = 0;
    for (int i = 1; i < nq(); ++i) obs[k++] = data_->qpos[i];
    for (int i = 0; i < nv(); ++i) obs[k++] = data_->qvel[i];
  }

 private:
  static constexpr double kForwardWeight = 1.0;
  static constexpr double kCtrlCostWeight = 0.1;
  static constexpr double kResetNoise = 0.1;
};

}  // namespace

std::unique_ptr<Env> make_half_cheetah() { return std::make_unique<HalfCheetah>(); }

}  // namespace coagent::envs
