// src/ddpg/driver.cpp — the DDPG training loop and greedy evaluation over the public
// Env interface (one environment, SB3's order: act, step, store, train).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "coagent/ddpg.hpp"

namespace coagent {
namespace {

constexpr std::size_t kRecentEpisodes = 20;

std::unique_ptr<Env> make_checked(const EnvFactory& factory) {
  if (!factory) throw std::invalid_argument("ddpg: no environment factory");
  auto env = factory();
  if (!env) throw std::invalid_argument("ddpg: environment factory returned null");
  if (env->observation_size() < 1 || env->action_size() < 1)
    throw std::invalid_argument("ddpg: environment '" + std::string(env->name()) +
                                "' has an empty observation or action");
  return env;
}

}  // namespace

DdpgRunResult train_ddpg(const DdpgConfig& cfg, const EnvFactory& make_environment,
                         std::int64_t steps, std::uint64_t seed, const ProgressFn& progress,
                         std::int64_t progress_every, const std::atomic<bool>* stop,
                         const DdpgHook& hook, std::int64_t hook_every) {
  if (steps < 0) throw std::invalid_argument("ddpg: steps " + std::to_string(steps) + " < 0");
  auto env = make_checked(make_environment);
  DdpgRunResult res{.agent = DdpgAgent(cfg, env->observation_size(), env->action_bounds(), seed)};
  DdpgAgent& agent = res.agent;
  std::vector<double> obs(env->observation_size()), next(env->observation_size()),
      action(env->action_size());
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  auto report = [&] {
    if (!progress) return;
    TrainProgress p;
    p.step = res.steps;
    p.total_steps = steps;
    p.episodes = res.episodes;
    const std::size_t n = std::min(kRecentEpisodes, res.episode_returns.size());
    if (n > 0) {
      double s = 0.0;
      for (std::size_t i = res.episode_returns.size() - n; i < res.episode_returns.size(); ++i)
        s += res.episode_returns[i];
      p.recent_return = s / static_cast<double>(n);
      p.has_recent_return = true;
    }
    const double dt = elapsed();
    p.steps_per_second = dt > 0 ? static_cast<double>(res.steps) / dt : 0.0;
    progress(p);
  };

  env->reset(seed, obs);
  double episode_return = 0.0;
  while (res.steps < steps && !(stop && stop->load(std::memory_order_relaxed))) {
    agent.explore(obs, action);
    const StepResult r = env->step(action, next);
    episode_return += r.reward;
    agent.observe(obs, action, r.reward, next, r.terminated, r.truncated);
    ++res.steps;
    if (r.terminated || r.truncated) {
      res.episode_returns.push_back(episode_return);
      ++res.episodes;
      episode_return = 0.0;
      env->reset(std::nullopt, obs);
    } else {
      obs.swap(next);
    }
    if (progress_every > 0 && res.steps % progress_every == 0) report();
    if (hook && hook_every > 0 && res.steps % hook_every == 0) hook(res.steps, agent);
  }
  report();
  res.wall_seconds = elapsed();
  return res;
}

EvalResult evaluate_ddpg(const DdpgAgent& agent, const EnvFactory& make_environment,
                         int episodes, std::uint64_t seed) {
  auto env = make_checked(make_environment);
  if (env->observation_size() != agent.observation_size() ||
      env->action_size() != agent.action_size())
    throw std::invalid_argument("ddpg: the environment's sizes do not match the agent's");
  return evaluate_greedy(*env, episodes, seed,
                         [&](std::span<const double> obs, std::span<double> action) {
                           agent.greedy_action(obs, action);
                         });
}

}  // namespace coagent
