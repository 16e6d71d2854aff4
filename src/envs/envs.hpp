// src/envs/envs.hpp — constructors of the built-in environments (internal).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coagent/env.hpp"

namespace coagent::envs {

std::unique_ptr<Env> make_chain();
std::unique_ptr<Env> make_mountain_car();
std::unique_ptr<Env> make_pendulum();
std::unique_ptr<Env> make_synthetic();

// Gymnasium's MuJoCo tasks (src/envs/mujoco/): the names this build has (none without
// MuJoCo), and the task `name`, or null when `name` is not one of them. Without MuJoCo
// a task's name throws std::invalid_argument saying how to get it.
std::vector<std::string> mujoco_env_names();
std::unique_ptr<Env> make_mujoco_env(std::string_view name);

// Python's float `%` (floor modulo), and Pendulum-v1's angle_normalize.
double python_fmod(double a, double b) noexcept;
double angle_normalize(double x) noexcept;

}  // namespace coagent::envs
