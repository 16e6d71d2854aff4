// src/envs/mujoco/registry.cpp — Gymnasium's MuJoCo tasks, the family's rows of the
// registry (a build with MuJoCo).
#include <array>

#include "envs/envs.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

constexpr std::array<Maker, kMujocoTasks.size()> kMakers = {
    make_inverted_pendulum, make_inverted_double_pendulum, make_reacher, make_swimmer,
    make_hopper,            make_half_cheetah,             make_walker2d, make_ant};

}  // namespace

std::vector<Registered> mujoco_family() {
  std::vector<Registered> rows;
  for (std::size_t i = 0; i < kMujocoTasks.size(); ++i) rows.push_back({mujoco_task_info(i), kMakers[i]});
  return rows;
}

}  // namespace coagent::envs
