// src/envs/mujoco/registry.cpp — Gymnasium's MuJoCo tasks by name (a build with MuJoCo).
#include <array>

#include "envs/envs.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {
namespace {

using Maker = std::unique_ptr<Env> (*)();
constexpr std::array<Maker, kMujocoTasks.size()> kMakers = {
    make_inverted_pendulum, make_inverted_double_pendulum, make_reacher, make_swimmer,
    make_hopper,            make_half_cheetah,             make_walker2d, make_ant};

}  // namespace

std::vector<std::string> mujoco_env_names() { return {kMujocoTasks.begin(), kMujocoTasks.end()}; }

std::unique_ptr<Env> make_mujoco_env(std::string_view name) {
  for (std::size_t i = 0; i < kMujocoTasks.size(); ++i)
    if (kMujocoTasks[i] == name) return kMakers[i]();
  return nullptr;
}

}  // namespace coagent::envs
