// src/ars/iteration.cpp — one ARS iteration: the directions, the 2 * directions
// rollouts as parallel tasks (each on its own environment, seeded from the run seed,
// the iteration and the direction), and the reduction in candidate order that makes
// the result the same for any thread count.
#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <stdexcept>

#include "ars/ars_run.hpp"

namespace coagent::detail {
namespace {

// What one rollout (one episode of one candidate policy) produced.
struct Rollout {
  double episode_return = 0.0;
  std::int64_t length = 0;
  RunningStats seen;
  std::exception_ptr error;
};

void check_action_bounds(const Env& env) {
  const Box b = env.action_bounds();
  for (std::size_t i = 0; i < b.low.size(); ++i)
    if (!std::isfinite(b.low[i]) || !std::isfinite(b.high[i]) || !(b.low[i] < b.high[i]))
      throw std::invalid_argument(fmt::format(
          "ars: environment '{}' action {} has bounds [{}, {}], expected finite with low < high",
          env.name(), i, b.low[i], b.high[i]));
}

// One episode of the policy `theta` from reset(seed); the observation statistics stay
// `run.stats` throughout (V2: they change between iterations only).
void rollout(const ArsRun& run, Env& env, std::span<const double> theta, std::uint64_t seed,
             Rollout& out) {
  const std::size_t n_obs = static_cast<std::size_t>(env.observation_size());
  std::vector<double> obs(n_obs), x(n_obs), scaled(run.action_bounds.low.size()),
      action(scaled.size()), scratch(2 * static_cast<std::size_t>(run.shape.max_width()));
  out.seen = RunningStats(n_obs);
  const std::int64_t cap = env.max_episode_steps() > 0 ? env.max_episode_steps() : 10000;
  env.reset(seed, obs);
  while (true) {
    out.seen.update(obs);
    ars::normalise(run.stats, run.config.obs_norm, run.config.obs_clip, obs, x);
    ars::policy_forward(run.shape, theta, x, scratch, scaled);
    ars::unscale_action(run.action_bounds, scaled, action);
    const StepResult r = env.step(action, obs);
    out.episode_return += r.reward;
    ++out.length;
    if (r.terminated || r.truncated || out.length >= cap) return;
  }
}

}  // namespace

void make_rollout_envs(ArsRun& run, const EnvFactory& factory) {
  run.envs.clear();
  for (int c = 0; c < 2 * run.config.directions; ++c) {
    auto env = make_checked_env(factory);
    check_action_bounds(*env);
    if (env->observation_size() != run.shape.widths.front() ||
        env->action_size() != run.shape.widths.back())
      throw std::invalid_argument(fmt::format(
          "ars: environment '{}' has {} observations and {} actions, the policy {} and {}",
          env->name(), env->observation_size(), env->action_size(), run.shape.widths.front(),
          run.shape.widths.back()));
    run.envs.push_back(std::move(env));
  }
}

std::unique_ptr<ArsRun> make_ars_run(const ArsConfig& c, const EnvFactory& factory,
                                     std::uint64_t seed) {
  c.validate();
  auto run = std::make_unique<ArsRun>();
  auto probe = make_checked_env(factory);
  run->config = c;
  run->shape = ars::policy_shape(c, probe->observation_size(), probe->action_size());
  run->action_bounds = probe->action_bounds();
  run->theta = ars::initial_parameters(run->shape, c.zero_init, seed);
  run->stats = RunningStats(static_cast<std::size_t>(probe->observation_size()));
  run->directions = Pcg32(derive_seed(seed, kFamilyArsDirections, 0));
  make_rollout_envs(*run, factory);
  return run;
}

void run_ars_iteration(ArsRun& run, std::uint64_t seed, Executor* executor,
                       const EpisodeFn& on_episode) {
  const int n = run.config.directions;
  const std::size_t p = run.theta.size();
  const double nu = run.config.noise;
  // The directions, drawn on a copy of the stream: it advances only if the iteration
  // completes.
  Pcg32 stream = run.directions;
  std::vector<double> deltas(static_cast<std::size_t>(n) * p);
  for (double& d : deltas) d = stream.normal();
  std::vector<std::vector<double>> candidates(2 * static_cast<std::size_t>(n), run.theta);
  for (int c = 0; c < 2 * n; ++c) {
    const double sign = c < n ? nu : -nu;
    const double* delta = deltas.data() + static_cast<std::size_t>(c % n) * p;
    for (std::size_t j = 0; j < p; ++j) candidates[c][j] += sign * delta[j];
  }
  std::vector<Rollout> results(2 * static_cast<std::size_t>(n));
  const auto task = [&](int c) {
    const auto k = static_cast<std::uint64_t>(run.iterations) * static_cast<std::uint64_t>(n) +
                   static_cast<std::uint64_t>(c % n);
    try {
      rollout(run, *run.envs[c], candidates[c], derive_seed(seed, kFamilyArsRollout, k), results[c]);
    } catch (...) {
      results[c].error = std::current_exception();
    }
  };
  if (executor != nullptr) {
    executor->parallel_for(2 * n, task);
  } else {
    for (int c = 0; c < 2 * n; ++c) task(c);
  }
  for (const Rollout& r : results)
    if (r.error) std::rethrow_exception(r.error);

  std::vector<double> plus(n), minus(n);
  const double offset = run.config.alive_bonus_offset;
  for (int c = 0; c < 2 * n; ++c)
    (c < n ? plus[c] : minus[c - n]) =
        results[c].episode_return + offset * static_cast<double>(results[c].length);
  std::vector<double> theta = run.theta;
  ars::ars_update(theta, deltas, plus, minus, run.config.top, run.config.step);
  for (std::size_t j = 0; j < p; ++j)
    if (!std::isfinite(theta[j]))
      throw DivergenceError(fmt::format("ars: parameter {} became {} at iteration {} (step {})",
                                        j, theta[j], run.iterations + 1, run.counters.steps));
  run.theta = std::move(theta);
  run.directions = stream;
  ++run.iterations;
  // The state is complete before any hook runs: a hook that throws leaves a whole
  // iteration behind it.
  std::vector<EpisodeRecord> done;
  const EpisodeFn keep = [&](const EpisodeRecord& e) { done.push_back(e); };
  for (int c = 0; c < 2 * n; ++c) {
    const Rollout& r = results[c];
    run.stats.merge(r.seen);
    run.counters.steps += r.length;
    run.counters.record(r.episode_return, r.length, c, run.counters.steps, keep);
  }
  if (on_episode)
    for (const EpisodeRecord& e : done) on_episode(e);
}

void ars_act(const ArsRun& run, std::span<const double> obs, std::span<double> scratch,
             std::span<double> action) noexcept {
  const std::size_t n_obs = obs.size();
  const std::size_t a = action.size();
  std::span<double> x = scratch.subspan(0, n_obs);
  std::span<double> rest = scratch.subspan(n_obs);
  ars::normalise(run.stats, run.config.obs_norm, run.config.obs_clip, obs, x);
  // The scaled action goes to `action` first, then is unscaled in place.
  ars::policy_forward(run.shape, run.theta, x, rest, action.subspan(0, a));
  ars::unscale_action(run.action_bounds, action, action);
}

}  // namespace coagent::detail
