// src/envs/mujoco/inverted_double_pendulum.cpp — Gymnasium's InvertedDoublePendulum-v5,
// default arguments (gymnasium/envs/mujoco/inverted_double_pendulum_v5.py, 1.4.0):
//   inverted_double_pendulum.xml, frame_skip 5 (dt 0.05), 1000 steps, threshold 9100
//   obs        [qpos[0], sin(qpos[1:]), cos(qpos[1:]), clip(qvel, -10, 10),
//               clip(qfrc_constraint, -10, 10)[:1]] (9)
//   x, _, y    = site_xpos[0] (the pole's tip); terminated = y <= 1
//   reward     alive - dist_penalty - vel_penalty, left to right, where
//              dist_penalty = 0.01 * x**2 + (y - 2)**2, vel_penalty = 1e-3 * v1**2 +
//              5e-3 * v2**2 (v1, v2 = qvel[1:3]), alive = 10.0 * int(not terminated);
//              `**2` on np.float64 is libm's pow (numpy_power2)
//   info       reward_survive, distance_penalty (-dist), velocity_penalty (-vel)
//   reset      qpos = init + U(-0.1, 0.1); qvel = init + N(0, 1) * 0.1
#include <algorithm>
#include <cmath>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class InvertedDoublePendulum final : public MujocoEnv {
 public:
  InvertedDoublePendulum()
      : MujocoEnv({"InvertedDoublePendulum-v5", "inverted_double_pendulum.xml", 5, 1000, 9100.0}) {}

  int observation_size() const override { return 1 + 2 * (nq() - 1) + nv() + 1; }

 protected:
  void reset_model() override {
    const std::vector<double> qpos = uniform_around(init_qpos_, kResetNoise);
    std::vector<double> qvel = init_qvel_;
    for (double& v : qvel) v = v + rng_.normal() * kResetNoise;
    set_state(qpos, qvel);
  }

  StepResult step_task(std::span<const float> action) override {
    do_simulation(action);
    const double x = data_->site_xpos[0], y = data_->site_xpos[2];
    const double v1 = data_->qvel[1], v2 = data_->qvel[2];
    StepResult r;
    r.terminated = y <= 1;
    const double dist_penalty = 0.01 * numpy_power2(x) + numpy_power2(y - 2);
    const double vel_penalty = 1e-3 * numpy_power2(v1) + 5e-3 * numpy_power2(v2);
    const double alive_bonus = kHealthyReward * (r.terminated ? 0 : 1);
    r.reward = alive_bonus - dist_penalty - vel_penalty;
    info_ = {{"reward_survive", alive_bonus},
             {"distance_penalty", -dist_penalty},
             {"velocity_penalty", -vel_penalty}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    std::size_t k = 0;
    obs[k++] = data_->qpos[0];
    for (int i = 1; i < nq(); ++i) obs[k++] = std::sin(data_->qpos[i]);
    for (int i = 1; i < nq(); ++i) obs[k++] = std::cos(data_->qpos[i]);
    for (int i = 0; i < nv(); ++i) obs[k++] = std::clamp(data_->qvel[i], -10.0, 10.0);
    obs[k++] = std::clamp(data_->qfrc_constraint[0], -10.0, 10.0);
  }

 private:
  static constexpr double kHealthyReward = 10.0;
  static constexpr double kResetNoise = 0.1;
};

}  // namespace

std::unique_ptr<Env> make_inverted_double_pendulum() {
  return std::make_unique<InvertedDoublePendulum>();
}

}  // namespace coagent::envs
