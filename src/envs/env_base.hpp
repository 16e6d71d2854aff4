// src/envs/env_base.hpp — what the built-in environments share: the episode step
// counter (Gymnasium's TimeLimit), the random stream, and argument checks.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "coagent/env.hpp"
#include "coagent/random.hpp"

namespace coagent::envs {

class EnvBase : public Env {
 public:
  std::int64_t elapsed_steps() const override { return elapsed_; }
  void set_elapsed_steps(std::int64_t steps) override {
    if (steps < 0 || steps > max_episode_steps())
      throw std::invalid_argument(std::string(name()) + ": elapsed steps " +
                                  std::to_string(steps) + " outside [0, " +
                                  std::to_string(max_episode_steps()) + "]");
    elapsed_ = steps;
  }
  std::pair<std::uint64_t, std::uint64_t> rng_state() const override {
    return {rng_.state(), rng_.increment()};
  }
  void set_rng_state(std::pair<std::uint64_t, std::uint64_t> s) override {
    rng_.restore(s.first, s.second);
  }

 protected:
  // Re-seeds on reset(seed) and restarts the step counter.
  void begin_episode(std::optional<std::uint64_t> seed) {
    if (seed) rng_.seed(derive_seed(*seed, kFamilyEnv, 0));
    elapsed_ = 0;
  }
  // Validates an action's size and finiteness.
  void check_action(std::span<const double> action) const {
    if (static_cast<int>(action.size()) != action_size())
      throw std::invalid_argument(std::string(name()) + ": action has " +
                                  std::to_string(action.size()) + " values, expected " +
                                  std::to_string(action_size()));
    check_finite_action(name(), action);
  }
  void check_obs(std::span<double> obs) const {
    if (static_cast<int>(obs.size()) < observation_size())
      throw std::invalid_argument(std::string(name()) + ": observation buffer too small");
  }
  void check_state(std::span<const double> state, std::size_t n) const {
    if (state.size() != n)
      throw std::invalid_argument(std::string(name()) + ": state has " +
                                  std::to_string(state.size()) + " values, expected " +
                                  std::to_string(n));
    for (double v : state)
      if (!std::isfinite(v))
        throw std::invalid_argument(std::string(name()) + ": state value is not finite");
  }
  // Counts a step; true when the episode is truncated by the time limit.
  bool tick() { return ++elapsed_ >= max_episode_steps(); }

  Pcg32 rng_;
  std::int64_t elapsed_ = 0;
};

}  // namespace coagent::envs
