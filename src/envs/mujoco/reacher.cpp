// src/envs/mujoco/reacher.cpp — Gymnasium's Reacher-v5, default arguments
// (gymnasium/envs/mujoco/reacher_v5.py, 1.4.0):
//   reacher.xml, frame_skip 2 (dt 0.02), 50 steps, reward threshold -3.75
//   obs        [cos(qpos[:2]), sin(qpos[:2]), qpos[2:] (the target), qvel[:2],
//               (fingertip - target)[:2] (body positions)] (10)
//   reward     reward_dist + reward_ctrl, where reward_dist = -norm(fingertip - target) * 1
//              (float64, np.linalg.norm: numpy_norm) and reward_ctrl = -sum(action**2) * 1
//              (float32, the action's dtype); never terminates
//   info       reward_dist, reward_ctrl
//   reset      qpos = U(-0.1, 0.1) + init; the goal U(-0.2, 0.2)^2 drawn until its norm is
//              below 0.2 goes in qpos[-2:]; qvel = init + U(-0.005, 0.005), qvel[-2:] = 0
#include <array>
#include <cmath>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Reacher final : public MujocoEnv {
 public:
  Reacher()
      : MujocoEnv({"Reacher-v5", "reacher.xml", 2, 50, -3.75}),
        fingertip_(body_id("fingertip")),
        target_(body_id("target")) {}

  int observation_size() const override { return 10; }

 protected:
  void reset_model() override {
    std::vector<double> qpos = init_qpos_;
    for (double& q : qpos) q = rng_.uniform(-0.1, 0.1) + q;
    std::array<double, 2> goal;
    do {
      goal = {rng_.uniform(-0.2, 0.2), rng_.uniform(-0.2, 0.2)};
    } while (!(numpy_norm(goal) < 0.2));
    qpos[qpos.size() - 2] = goal[0];
    qpos[qpos.size() - 1] = goal[1];
    std::vector<double> qvel = uniform_around(init_qvel_, 0.005);
    qvel[qvel.size() - 2] = 0.0;
    qvel[qvel.size() - 1] = 0.0;
    set_state(qpos, qvel);
  }

  StepResult step_task(std::span<const float> action) override {
    do_simulation(action);
    const std::array<double, 3> vec = difference();
    StepResult r;
    const double reward_dist = -numpy_norm(vec) * kDistWeight;
    const float reward_ctrl = -numpy_sum_of_squares(action) * static_cast<float>(kCtrlWeight);
    r.reward = reward_dist + static_cast<double>(reward_ctrl);
    info_ = {{"reward_dist", reward_dist}, {"reward_ctrl", reward_ctrl}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    const std::array<double, 3> vec = difference();
    obs[0] = std::cos(data_->qpos[0]);
    obs[1] = std::cos(data_->qpos[1]);
    obs[2] = std::sin(data_->qpos[0]);
    obs[3] = std::sin(data_->qpos[1]);
    obs[4] = data_->qpos[2];
    obs[5] = data_->qpos[3];
    obs[6] = data_->qvel[0];
    obs[7] = data_->qvel[1];
    obs[8] = vec[0];
    obs[9] = vec[1];
  }

 private:
  // get_body_com("fingertip") - get_body_com("target"): the bodies' xpos.
  std::array<double, 3> difference() const {
    const double* f = data_->xpos + 3 * fingertip_;
    const double* t = data_->xpos + 3 * target_;
    return {f[0] - t[0], f[1] - t[1], f[2] - t[2]};
  }

  static constexpr int kDistWeight = 1;  // Python ints in Gymnasium's defaults
  static constexpr int kCtrlWeight = 1;
  int fingertip_, target_;
};

}  // namespace

std::unique_ptr<Env> make_reacher() { return std::make_unique<Reacher>(); }

}  // namespace coagent::envs
