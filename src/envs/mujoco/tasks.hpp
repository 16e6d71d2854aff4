// src/envs/mujoco/tasks.hpp — the names of Gymnasium's MuJoCo tasks coagent has, in
// registry order. Known with or without MuJoCo: a build without it still recognises the
// names, to say how to get them (unavailable.cpp).
#pragma once

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "coagent/env.hpp"
#include "envs/envs.hpp"

namespace coagent::envs {

inline constexpr std::array<std::string_view, 8> kMujocoTasks = {
    "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Swimmer-v5",
    "Hopper-v5",           "HalfCheetah-v5",            "Walker2d-v5", "Ant-v5"};

inline bool is_mujoco_task(std::string_view name) {
  return std::find(kMujocoTasks.begin(), kMujocoTasks.end(), name) != kMujocoTasks.end();
}

// The registry's description of task i: Gymnasium's id is its name; observations
// float64, actions float32, and the reward threshold of Gymnasium's spec.
inline EnvInfo mujoco_task_info(std::size_t i) {
  constexpr std::array<std::optional<double>, kMujocoTasks.size()> kThresholds = {
      950.0, 9100.0, -3.75, 360.0, 3800.0, 4800.0, std::nullopt, 6000.0};
  const std::string name(kMujocoTasks[i]);
  return {name, name, "mujoco", false, true, kThresholds[i]};
}

// One constructor per task (a file each), in the order of kMujocoTasks.
std::unique_ptr<Env> make_inverted_pendulum();
std::unique_ptr<Env> make_inverted_double_pendulum();
std::unique_ptr<Env> make_reacher();
std::unique_ptr<Env> make_swimmer();
std::unique_ptr<Env> make_hopper();
std::unique_ptr<Env> make_half_cheetah();
std::unique_ptr<Env> make_walker2d();
std::unique_ptr<Env> make_ant();

}  // namespace coagent::envs
