// src/cli/bench_raw.hpp — the environments' raw stepping rate (bench_raw.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace coagent::cli {

// Environment steps per second of `envs` copies of `env` stepped by `threads` threads
// (at most one per environment) for `steps` steps in all, with random actions.
double raw_step_rate(const std::string& env, int envs, int threads, std::int64_t steps);

}  // namespace coagent::cli
