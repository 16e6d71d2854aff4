// src/core/rollout.cpp — one recorded greedy episode (see coagent/rollout.hpp).
#include "coagent/rollout.hpp"

namespace coagent {

Trajectory rollout_greedy(Env& env, const GreedyPolicy& policy, std::optional<std::uint64_t> seed) {
  Trajectory t;
  std::vector<double> obs(static_cast<std::size_t>(env.observation_size()));
  std::vector<double> action(static_cast<std::size_t>(env.action_size()));
  const std::int64_t cap = env.max_episode_steps() > 0 ? env.max_episode_steps() : 10000;
  env.reset(seed, obs);
  t.states.push_back(env.state());
  t.returns.push_back(0.0);
  while (true) {
    policy(obs, action);
    const StepResult r = env.step(action, obs);
    t.states.push_back(env.state());
    t.actions.push_back(action);
    t.rewards.push_back(r.reward);
    t.returns.push_back(t.returns.back() + r.reward);
    if (r.terminated || r.truncated || t.steps() >= cap) {
      t.terminated = r.terminated;
      return t;
    }
  }
}

}  // namespace coagent
