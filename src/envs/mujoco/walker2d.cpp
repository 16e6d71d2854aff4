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
#include "envs/mujoco/planar_walker.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

class Walker2d final : public PlanarWalker {
 public:
  Walker2d() : PlanarWalker({"Walker2d-v5", "walker2d_v5.xml", 4, 1000, std::nullopt}) {}

 protected:
  bool is_healthy() const override {
    const double z = data_->qpos[1], angle = data_->qpos[2];
    return (0.8 < z && z < 2.0) && (-1.0 < angle && angle < 1.0);
  }
};

}  // namespace

std::unique_ptr<Env> make_walker2d() { return std::make_unique<Walker2d>(); }

}  // namespace coagent::envs
