// src/cli/bench_raw.cpp — the environments alone, for `coagent bench`'s "÷raw" column:
// how fast E environments step on T threads with no network and no learning, so the
// cost of learning is a ratio measured side by side.
#include "cli/bench_raw.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "coagent/env.hpp"
#include "coagent/random.hpp"

namespace coagent::cli {

// Thread t steps its contiguous block of the environments in turn, with actions drawn
// uniformly in the action bounds (its own stream), resetting at every episode's end;
// the environments are made, reset and the threads started before the clock starts.
double raw_step_rate(const std::string& env, int envs, int threads, std::int64_t steps) {
  const int T = std::clamp(threads, 1, envs);
  struct Slot {
    std::unique_ptr<Env> env;
    std::vector<double> obs, action;
    Box bounds;
  };
  std::vector<Slot> slots(static_cast<std::size_t>(envs));
  for (int e = 0; e < envs; ++e) {
    Slot& s = slots[static_cast<std::size_t>(e)];
    s.env = make_env(env);
    s.obs.resize(static_cast<std::size_t>(s.env->observation_size()));
    s.action.resize(static_cast<std::size_t>(s.env->action_size()));
    s.bounds = s.env->action_bounds();
    s.env->reset(static_cast<std::uint64_t>(1 + e), s.obs);
  }
  // Each worker times itself: the main thread may not run while they do (2 cores).
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> began(static_cast<std::size_t>(T)), ended(began.size());
  std::latch start(T);
  std::vector<std::thread> workers;
  for (int t = 0; t < T; ++t)
    workers.emplace_back([&, t] {
      const int lo = static_cast<int>(static_cast<std::int64_t>(t) * envs / T);
      const int hi = static_cast<int>(static_cast<std::int64_t>(t + 1) * envs / T);
      const std::int64_t share = steps * (hi - lo) / envs;
      Pcg32 rng(0x5eed + static_cast<std::uint64_t>(t));
      start.arrive_and_wait();
      began[static_cast<std::size_t>(t)] = Clock::now();
      for (std::int64_t i = 0; i < share; ++i) {
        Slot& s = slots[static_cast<std::size_t>(lo + i % (hi - lo))];
        for (std::size_t a = 0; a < s.action.size(); ++a)
          s.action[a] = rng.uniform(s.bounds.low[a], s.bounds.high[a]);
        const StepResult r = s.env->step(s.action, s.obs);
        if (r.terminated || r.truncated) s.env->reset(std::nullopt, s.obs);
      }
      ended[static_cast<std::size_t>(t)] = Clock::now();
    });
  for (auto& w : workers) w.join();
  const double dt = std::chrono::duration<double>(*std::max_element(ended.begin(), ended.end()) -
                                                  *std::min_element(began.begin(), began.end()))
                        .count();
  std::int64_t done = 0;
  for (int t = 0; t < T; ++t)
    done += steps * (static_cast<std::int64_t>(t + 1) * envs / T - static_cast<std::int64_t>(t) * envs / T) / envs;
  return static_cast<double>(done) / dt;
}

}  // namespace coagent::cli
