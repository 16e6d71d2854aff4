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

#include "envs/mujoco/planar_walker.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Hopper final : public PlanarWalker {
 public:
  Hopper() : PlanarWalker({"Hopper-v5", "hopper.xml", 4, 1000, 3800.0}) {}

 protected:
  bool is_healthy() const override {
    const double z = data_->qpos[1], angle = data_->qpos[2];
    auto in_state_range = [](double s) { return -100.0 < s && s < 100.0; };
    const bool healthy_state = std::all_of(data_->qpos + 2, data_->qpos + nq(), in_state_range) &&
                               std::all_of(data_->qvel, data_->qvel + nv(), in_state_range);
    const bool healthy_z = 0.7 < z;  // the range's top is +inf
    const bool healthy_angle = -0.2 < angle && angle < 0.2;
    return healthy_state && healthy_z && healthy_angle;
  }
};

}  // namespace

std::unique_ptr<Env> make_hopper() { return std::make_unique<Hopper>(); }

}  // namespace coagent::envs
