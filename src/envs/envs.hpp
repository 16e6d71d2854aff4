// src/envs/envs.hpp — the registry's rows and what the environments share (internal).
// A new environment is its own file and one row in registry.cpp; a new family of
// environments is its own folder and one line there (as src/envs/mujoco/).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "coagent/env.hpp"

namespace coagent::envs {

using Maker = std::unique_ptr<Env> (*)();

// One row of the registry: the environment's description and its constructor; a row
// whose environment is not built here has no constructor, and `missing` says in one
// line how to get it.
struct Registered {
  EnvInfo info;
  Maker make = nullptr;
  std::string missing;
};

// Gymnasium's MuJoCo tasks (src/envs/mujoco/): every task, built or not.
std::vector<Registered> mujoco_family();

// Python's float `%` (floor modulo), and Pendulum-v1's angle_normalize.
double python_fmod(double a, double b) noexcept;
double angle_normalize(double x) noexcept;

}  // namespace coagent::envs
