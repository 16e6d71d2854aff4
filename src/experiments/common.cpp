// src/experiments/common.cpp — probe sets and environment checks (see common.hpp).
#include "experiments/common.hpp"

#include <stdexcept>

#include "coagent/random.hpp"

namespace coagent::experiments {

std::int64_t episode_step_cap(const Env& env) {
  const std::int64_t m = env.max_episode_steps();
  return m > 0 ? m : 10000;
}

States collect_probe_states(const std::string& env_name, int count, std::uint64_t seed) {
  auto env = make_named_env(env_name);
  Pcg32 rng(derive_seed(seed, kFamilyExp1, kStreamProbeStates));
  const Box bounds = env->action_bounds();
  std::vector<double> obs(static_cast<std::size_t>(env->observation_size()));
  std::vector<double> action(static_cast<std::size_t>(env->action_size()));
  env->reset(seed, obs);
  States states;
  states.reserve(static_cast<std::size_t>(count));
  const std::int64_t cap = episode_step_cap(*env);
  std::int64_t length = 0;
  while (static_cast<int>(states.size()) < count) {
    if (rng.uniform() < 0.125) states.push_back(obs);
    for (std::size_t i = 0; i < action.size(); ++i)
      action[i] = rng.uniform(bounds.low[i], bounds.high[i]);
    const StepResult r = env->step(action, obs);
    if (r.terminated || r.truncated || ++length >= cap) {
      env->reset(std::nullopt, obs);
      length = 0;
    }
  }
  return states;
}

}  // namespace coagent::experiments
