// src/envs/envs.hpp — constructors of the built-in environments (internal).
#pragma once

#include <memory>

#include "coagent/env.hpp"

namespace coagent::envs {

std::unique_ptr<Env> make_chain();
std::unique_ptr<Env> make_mountain_car();
std::unique_ptr<Env> make_pendulum();
std::unique_ptr<Env> make_synthetic();

// Python's float `%` (floor modulo), and Pendulum-v1's angle_normalize.
double python_fmod(double a, double b) noexcept;
double angle_normalize(double x) noexcept;

}  // namespace coagent::envs
