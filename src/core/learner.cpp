// src/core/learner.cpp — what every Learner shares: greedy evaluation and the
// check of a running or resumed run's changed settings (the table says which may change).
#include "coagent/learner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace coagent {

void check_resumable_change(const TrainConfig& from, const TrainConfig& to,
                            std::int64_t steps_done) {
  to.validate();
  const auto a = config_entries(from), b = config_entries(to);
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (a[i] != b[i] && !resumable_setting(a[i].first))
      throw std::invalid_argument(not_resumable_message(a[i].first));
  if (to.steps < steps_done)
    throw std::invalid_argument("--steps " + std::to_string(to.steps) + " is below the " +
                                std::to_string(steps_done) + " steps the run has trained");
}

void Learner::use_wire(std::shared_ptr<Wire> /*wire*/) {
  throw std::invalid_argument(fmt::format("mode: 'mpi' runs the local rules, not algo '{}'",
                                          to_string(config().algo)));
}

EvalResult evaluate_greedy(Env& env, int episodes, std::uint64_t seed, const GreedyPolicy& policy) {
  if (episodes < 1) throw std::invalid_argument("episodes must be at least 1");
  EvalResult res;
  res.env = std::string(env.name());
  res.episodes = episodes;
  res.seed = seed;
  res.criterion = env.solved_criterion();
  std::vector<double> obs(env.observation_size()), action(env.action_size());
  double sum = 0.0, sum_sq = 0.0, len_sum = 0.0;
  int successes = 0;
  for (int ep = 0; ep < episodes; ++ep) {
    env.reset(ep == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt, obs);
    EpisodeStats stats;
    while (true) {
      policy(obs, action);
      const StepResult r = env.step(action, obs);
      stats.episode_return += r.reward;
      ++stats.length;
      if (r.terminated || r.truncated) {
        stats.terminated = r.terminated;
        break;
      }
    }
    if (env.episode_success(stats)) ++successes;
    sum += stats.episode_return;
    sum_sq += stats.episode_return * stats.episode_return;
    len_sum += static_cast<double>(stats.length);
    if (ep == 0 || stats.episode_return < res.min_return) res.min_return = stats.episode_return;
    if (ep == 0 || stats.episode_return > res.max_return) res.max_return = stats.episode_return;
  }
  res.mean_return = sum / episodes;
  res.std_return = std::sqrt(std::max(0.0, sum_sq / episodes - res.mean_return * res.mean_return));
  res.success_rate = static_cast<double>(successes) / episodes;
  res.mean_length = len_sum / episodes;
  res.solved = env.solved(res.mean_return, res.success_rate);
  return res;
}

}  // namespace coagent

namespace coagent {

void Learner::set_named_parameters(const std::vector<NamedArray>&) {
  throw std::invalid_argument(fmt::format("algo {} has no named parameters to set",
                                          to_string(config().algo)));
}

}  // namespace coagent
