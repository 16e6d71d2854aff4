// src/experiments/common.hpp — what Experiment 1 and the gradient-alignment probe
// share: their random stream names, the probe set of states, greedy episodes, and the
// column copies between std::vector observations and Eigen batches.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "ddpg/agent_core.hpp"
#include "ddpg/mlp.hpp"

namespace coagent::experiments {

// Stream family of the experiments' own streams (see random.hpp); DDPG's streams
// are derived from the same run seed in their own family.
inline constexpr std::uint64_t kFamilyExp1 = 0x6578703100000000ULL;  // "exp1"
enum Exp1Stream : std::uint64_t {
  kStreamProbeStates = 1,  // the random-policy rollouts of the probe set
  kStreamEval,             // greedy episodes (+ phase)
  kStreamPhase2Actor,      // the fresh actor of phase 2
  kStreamHiddenNoise,      // the probe's hidden-activation perturbation
  kStreamSubCritic = 64,   // + 16 * phase + layer
};

using States = std::vector<std::vector<double>>;

// A built-in environment by name, checked to have observations and actions.
inline std::unique_ptr<Env> make_named_env(const std::string& name) {
  return make_checked_env(builtin_env_factory(name));
}

// `count` observations from uniformly random actions: each visited state (after a
// reset or a step) is kept with probability 1/8, so the set spreads over several
// episodes. Deterministic in `seed`.
States collect_probe_states(const std::string& env_name, int count, std::uint64_t seed);

// What Experiment 1 and the gradient probe start a seed from: the environment, a fresh
// DDPG agent seeded with `seed` and the probe states of that seed.
struct SeedStart {
  std::unique_ptr<Env> env;
  DdpgAgent agent;
  States probe;
};
// Validates `cfg` (an Exp1Config or ProbeConfig) and makes what a seed starts from;
// `out` (that seed's result) gets its seed, environment and actor widths.
template <class Config, class Result>
SeedStart start_seed(const Config& cfg, std::uint64_t seed, Result& out) {
  cfg.validate();
  auto env = make_named_env(cfg.env);
  DdpgAgent agent(cfg.ddpg, env->observation_size(), env->action_bounds(), seed);
  out.seed = seed;
  out.env = cfg.env;
  out.actor_widths = agent.actor_widths();
  return SeedStart{std::move(env), std::move(agent),
                   collect_probe_states(cfg.env, cfg.probe_states, seed)};
}

// Starts a seed (start_seed) and calls f(agent, core, probe) with the agent's network
// core (float or double precision) as its concrete type.
template <class Config, class Result, class F>
void run_seed(const Config& cfg, std::uint64_t seed, Result& out, F&& f) {
  SeedStart start = start_seed(cfg, seed, out);
  std::visit([&](auto& core) { f(start.agent, core, start.probe); }, detail::DdpgAccess::impl(start.agent).core);
}

// Raw observations as the columns of a matrix.
template <class T>
ddpg::Matrix<T> to_columns(const States& states, int obs_size) {
  ddpg::Matrix<T> m(obs_size, static_cast<ddpg::Index>(states.size()));
  for (std::size_t j = 0; j < states.size(); ++j)
    for (int i = 0; i < obs_size; ++i)
      m(i, static_cast<ddpg::Index>(j)) = static_cast<T>(states[j][static_cast<std::size_t>(i)]);
  return m;
}

// The most steps an evaluation episode may take (the env's limit, or 10,000).
std::int64_t episode_step_cap(const Env& env);

}  // namespace coagent::experiments
