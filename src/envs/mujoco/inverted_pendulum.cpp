// src/envs/mujoco/inverted_pendulum.cpp — Gymnasium's InvertedPendulum-v5, default
// arguments (gymnasium/envs/mujoco/inverted_pendulum_v5.py, 1.4.0):
//   inverted_pendulum.xml, frame_skip 2 (dt 0.04), 1000 steps, reward threshold 950
//   obs        [qpos, qvel] (4)
//   terminated not all(isfinite(obs)) or |qpos[1]| > 0.2
//   reward     int(not terminated): 1 while the pole is up, 0 on the step it falls
//   info       reward_survive
//   reset      qpos, qvel = init + U(-0.01, 0.01)
#include <cmath>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class InvertedPendulum final : public MujocoEnv {
 public:
  InvertedPendulum()
      : MujocoEnv({"InvertedPendulum-v5", "inverted_pendulum.xml", 2, 1000, 950.0}) {}

  int observation_size() const override { return nq() + nv(); }

 protected:
  void reset_model() override { reset_around_init(kResetNoise); }

  StepResult step_task(std::span<const float> action) override {
    do_simulation(action);
    StepResult r;
    r.terminated = std::abs(data_->qpos[1]) > 0.2;  // qpos, qvel are finite (checked)
    r.reward = r.terminated ? 0.0 : 1.0;
    info_ = {{"reward_survive", r.reward}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    for (int i = 0; i < nq(); ++i) obs[i] = data_->qpos[i];
    for (int i = 0; i < nv(); ++i) obs[nq() + i] = data_->qvel[i];
  }

 private:
  static constexpr double kResetNoise = 0.01;
};

}  // namespace

std::unique_ptr<Env> make_inverted_pendulum() { return std::make_unique<InvertedPendulum>(); }

}  // namespace coagent::envs
