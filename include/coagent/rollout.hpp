// coagent/rollout.hpp — one greedy episode, recorded step by step, for pictures and
// tools (the episode GIF and text frames, the policy map's trajectories). Works for
// any agent: the policy is a GreedyPolicy (coagent/trainer.hpp), which a local-rule
// Network and a DDPG agent both provide. evaluate_greedy() runs the same loop without
// recording it.
//
// Threading: rollout_greedy uses only its arguments (one Env, one policy) and may run
// on several threads at once with different ones.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "coagent/env.hpp"
#include "coagent/learner.hpp"  // GreedyPolicy

namespace coagent {

struct Trajectory {
  std::vector<std::vector<double>> states;   // states[0] after reset, states[t] after step t
  std::vector<std::vector<double>> actions;  // actions[t - 1]: the action of step t
  std::vector<double> rewards;               // rewards[t - 1]: the reward of step t
  std::vector<double> returns;               // returns[t]: the return after t steps (returns[0] = 0)
  bool terminated = false;                   // ended by the environment, not the time limit

  std::int64_t steps() const noexcept { return static_cast<std::int64_t>(actions.size()); }
};

// One episode on `env`: reset(seed) (nullopt continues the environment's stream),
// then the policy's action at every observation until the episode terminates or is
// truncated, or after max(max_episode_steps(), 0) or 10,000 steps when the
// environment never truncates. Records env.state() after the reset and after every
// step. Throws what the environment or the policy throws.
Trajectory rollout_greedy(Env& env, const GreedyPolicy& policy, std::optional<std::uint64_t> seed);

}  // namespace coagent
