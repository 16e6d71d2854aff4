// src/envs/mujoco/ant.cpp — Gymnasium's Ant-v5, default arguments
// (gymnasium/envs/mujoco/ant_v5.py, 1.4.0):
//   ant.xml, frame_skip 5 (dt 0.05), 1000 steps, reward threshold 6000
//   contact    cfrc_ext (nbody x 6, filled by mj_rnePostConstraint) clipped to [-1, 1]
//   obs        [qpos[2:], qvel, contact[1:] flattened] (13 + 14 + 78 = 105)
//   velocity   (xpos of body 1, the torso, [0:2] after - before) / dt
//   healthy    all of [qpos, qvel] finite and 0.2 <= qpos[2] <= 1.0 (closed);
//              terminated = not healthy
//   reward     (forward + healthy_reward) - (ctrl + contact), forward = x_velocity * 1,
//              healthy_reward = 1.0 if healthy else 0.0, ctrl = 0.5 * sum(action**2)
//              (float32, the action's dtype), contact = 5e-4 * sum(contact**2) over all
//              84 values (body 0 too; NumPy's pairwise sum, numpy_sum)
//   info       x_position, y_position (qpos[0], qpos[1]), distance_from_origin (their
//              norm), x_velocity, y_velocity, reward_forward, reward_ctrl, reward_contact,
//              reward_survive; reset: the first three
//   reset      qpos = init + U(-0.1, 0.1); qvel = init + 0.1 * N(0, 1)
#include <algorithm>
#include <array>
#include <cmath>

#include "envs/mujoco/mujoco_env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Ant final : public MujocoEnv {
 public:
  Ant()
      : MujocoEnv({"Ant-v5", "ant.xml", 5, 1000, 6000.0}),
        contact_(static_cast<std::size_t>(6 * model_->nbody)) {}

  int observation_size() const override { return nq() - 2 + nv() + 6 * (model_->nbody - 1); }

 protected:
  void reset_model() override { reset_around_init(kResetNoise, true); }

  void reset_info() override {
    const std::array<double, 2> xy = {data_->qpos[0], data_->qpos[1]};
    info_ = {{"x_position", xy[0]}, {"y_position", xy[1]}, {"distance_from_origin", numpy_norm(xy)}};
  }

  StepResult step_task(std::span<const float> action) override {
    const double* torso = data_->xpos + 3 * kMainBody;
    const std::array<double, 2> before = {torso[0], torso[1]};
    do_simulation(action);
    const double x_velocity = (torso[0] - before[0]) / dt();
    const double y_velocity = (torso[1] - before[1]) / dt();

    const bool healthy = is_healthy();
    const double forward_reward = x_velocity * kForwardWeight;
    const double healthy_reward = healthy ? kHealthyReward : 0.0;
    const float ctrl_cost = control_cost(kCtrlCostWeight, action);
    clip_contact_forces();
    std::vector<double>& sq = squares_;
    sq.resize(contact_.size());
    for (std::size_t i = 0; i < contact_.size(); ++i) sq[i] = contact_[i] * contact_[i];
    const double contact_cost = kContactCostWeight * numpy_sum(sq);
    StepResult r;
    r.reward = (forward_reward + healthy_reward) - (static_cast<double>(ctrl_cost) + contact_cost);
    r.terminated = !healthy;
    const std::array<double, 2> xy = {data_->qpos[0], data_->qpos[1]};
    info_ = {{"x_position", xy[0]},
             {"y_position", xy[1]},
             {"distance_from_origin", numpy_norm(xy)},
             {"x_velocity", x_velocity},
             {"y_velocity", y_velocity},
             {"reward_forward", forward_reward},
             {"reward_ctrl", -ctrl_cost},
             {"reward_contact", -contact_cost},
             {"reward_survive", healthy_reward}};
    return r;
  }

  void observe(std::span<double> obs) const override {
    std::size_t k = 0;
    for (int i = 2; i < nq(); ++i) obs[k++] = data_->qpos[i];
    for (int i = 0; i < nv(); ++i) obs[k++] = data_->qvel[i];
    // Computed from cfrc_ext here, not from contact_: reset() observes before any step.
    for (std::size_t i = 6; i < contact_.size(); ++i)
      obs[k++] = std::clamp(data_->cfrc_ext[i], kContactMin, kContactMax);
  }

 private:
  void clip_contact_forces() {
    for (std::size_t i = 0; i < contact_.size(); ++i)
      contact_[i] = std::clamp(data_->cfrc_ext[i], kContactMin, kContactMax);
  }

  bool is_healthy() const {
    auto finite = [](double v) { return std::isfinite(v); };
    const bool all_finite = std::all_of(data_->qpos, data_->qpos + nq(), finite) &&
                            std::all_of(data_->qvel, data_->qvel + nv(), finite);
    const double z = data_->qpos[2];
    return all_finite && kMinZ <= z && z <= kMaxZ;
  }

  static constexpr int kMainBody = 1;
  static constexpr int kForwardWeight = 1;  // a Python int in Gymnasium's defaults
  static constexpr double kCtrlCostWeight = 0.5;
  static constexpr double kContactCostWeight = 5e-4;
  static constexpr double kHealthyReward = 1.0;
  static constexpr double kMinZ = 0.2, kMaxZ = 1.0;
  static constexpr double kContactMin = -1.0, kContactMax = 1.0;
  static constexpr double kResetNoise = 0.1;
  std::vector<double> contact_, squares_;
};

}  // namespace

std::unique_ptr<Env> make_ant() { return std::make_unique<Ant>(); }

}  // namespace coagent::envs
