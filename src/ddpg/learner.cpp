// src/ddpg/learner.cpp — DDPG as a Learner: the training loop over the public Env
// interface (one environment, SB3's order: act, step, store, train), greedy
// evaluation, and the run's checkpoint bytes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "ddpg/ddpg_run.hpp"
#include "io/archive.hpp"
#include "io/env_state.hpp"
#include "io/sha256.hpp"

namespace coagent {
namespace {

TrainConfig validated_ddpg(TrainConfig cfg) {
  cfg.validate();
  cfg.algo = Algo::ddpg;
  return cfg;
}

void size_buffers(detail::DdpgRun& run) {
  run.obs.resize(run.env->observation_size());
  run.next.resize(run.env->observation_size());
  run.action.resize(run.env->action_size());
}

}  // namespace

DdpgLearner::DdpgLearner(TrainConfig cfg, const DdpgConfig& ddpg, EnvFactory factory)
    : cfg_(validated_ddpg(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)) {
  auto env = make_checked_env(factory_);
  DdpgAgent agent(ddpg, env->observation_size(), env->action_bounds(), cfg_.seed);
  run_ = std::make_unique<detail::DdpgRun>(detail::DdpgRun{std::move(agent), std::move(env)});
  size_buffers(*run_);
  run_->env->reset(cfg_.seed, run_->obs);
}

DdpgLearner::DdpgLearner(TrainConfig cfg, EnvFactory factory, std::unique_ptr<detail::DdpgRun> run)
    : cfg_(validated_ddpg(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)),
      run_(std::move(run)) {}

DdpgLearner::~DdpgLearner() = default;

void DdpgLearner::update_settings(const TrainConfig& changed) {
  check_resumable_change(cfg_, changed, steps_done());
  cfg_ = changed;
}

std::int64_t DdpgLearner::steps_done() const noexcept { return run_->counters.steps; }
std::int64_t DdpgLearner::episodes_done() const noexcept { return run_->counters.episodes; }
std::vector<int> DdpgLearner::shape() const { return run_->agent.actor_widths(); }
const DdpgAgent& DdpgLearner::agent() const noexcept { return run_->agent; }

std::unique_ptr<Env> DdpgLearner::make_environment() const { return make_checked_env(factory_); }

void DdpgLearner::train_until(std::int64_t until, const TrainHooks& hooks) {
  const detail::ConsumeStop consume{stop_};
  detail::DdpgRun& run = *run_;
  detail::EpisodeCounters& n = run.counters;
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t start = n.steps;
  auto report = [&] {
    if (hooks.progress) hooks.progress(n.progress(n.steps, cfg_.steps, n.steps - start, t0));
  };
  while (n.steps < until && !stop_.load(std::memory_order_relaxed)) {
    run.agent.explore(run.obs, run.action);
    const StepResult r = run.env->step(run.action, run.next);
    run.episode_return += r.reward;
    ++run.episode_length;
    run.agent.observe(run.obs, run.action, r.reward, run.next, r.terminated, r.truncated);
    ++n.steps;
    if (r.terminated || r.truncated) {
      const double ret = run.episode_return;
      const std::int64_t length = run.episode_length;
      run.episode_return = 0.0;
      run.episode_length = 0;
      run.env->reset(std::nullopt, run.obs);
      n.record(ret, length, 0, n.steps, hooks.episode);
    } else {
      run.obs.swap(run.next);
    }
    if (hooks.progress_every > 0 && n.steps % hooks.progress_every == 0) report();
  }
  report();
}

GreedyPolicy DdpgLearner::greedy_policy() const {
  return [this](std::span<const double> obs, std::span<double> action) {
    run_->agent.greedy_action(obs, action);
  };
}

EvalResult DdpgLearner::evaluate(int episodes, std::uint64_t seed) const {
  return evaluate_ddpg(run_->agent, factory_, episodes, seed);
}

std::string DdpgLearner::describe() const {
  const DdpgConfig& c = agent().config();
  return fmt::format("{} with DDPG (backprop): actor {}, critic {}, {} steps, seed {}", cfg_.env,
                     fmt::join(c.actor_hidden, ","), fmt::join(c.critic_hidden, ","), cfg_.steps,
                     cfg_.seed);
}

std::string DdpgLearner::digest() const {
  io::ByteWriter w;
  detail::put_ddpg_run(w, *run_);
  return io::sha256_hex(w.bytes().data(), w.bytes().size());
}

void DdpgLearner::save(const std::string& path) const {
  io::ByteWriter w;
  w.put_str(config_to_text(cfg_));
  detail::put_ddpg_run(w, *run_);
  io::write_archive(path, w.bytes());
}

DdpgRunResult train_ddpg(const DdpgConfig& cfg, const EnvFactory& make_environment,
                         std::int64_t steps, std::uint64_t seed, const ProgressFn& progress,
                         std::int64_t progress_every) {
  if (steps < 0) throw std::invalid_argument("ddpg: steps " + std::to_string(steps) + " < 0");
  TrainConfig shared;
  shared.algo = Algo::ddpg;
  shared.steps = steps;
  shared.seed = seed;
  const auto t0 = std::chrono::steady_clock::now();
  DdpgLearner learner(shared, cfg, make_environment);
  std::vector<double> returns;
  learner.train_until(steps, TrainHooks{progress, progress_every,
                                        [&](const EpisodeRecord& e) {
                                          returns.push_back(e.episode_return);
                                        }});
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return DdpgRunResult{learner.agent(), learner.steps_done(), learner.episodes_done(),
                       std::move(returns), wall};
}

EvalResult evaluate_ddpg(const DdpgAgent& agent, const EnvFactory& make_environment,
                         int episodes, std::uint64_t seed) {
  auto env = make_checked_env(make_environment);
  if (env->observation_size() != agent.observation_size() ||
      env->action_size() != agent.action_size())
    throw std::invalid_argument("ddpg: the environment's sizes do not match the agent's");
  return evaluate_greedy(*env, episodes, seed,
                         [&](std::span<const double> obs, std::span<double> action) {
                           agent.greedy_action(obs, action);
                         });
}

namespace detail {

void put_ddpg_run(io::ByteWriter& w, const DdpgRun& run) {
  w.put(run.counters.steps);
  w.put(run.counters.episodes);
  w.put_vec(run.counters.recent);
  w.put_vec(run.agent.save(true));
  io::put_env_state(w, *run.env);
  w.put_vec(run.obs);
  w.put(run.episode_return);
  w.put(run.episode_length);
}

std::unique_ptr<DdpgRun> read_ddpg_run(io::ByteReader& r, const EnvFactory& factory) {
  EpisodeCounters n;
  n.steps = r.get<std::int64_t>("step counter");
  n.episodes = r.get<std::int64_t>("episode counter");
  n.recent = r.get_vec<double>("recent returns");
  if (n.steps < 0 || n.episodes < 0) r.fail("negative counters");
  if (n.recent.size() > kRecentEpisodes) r.fail("too many recent returns");
  const std::vector<char> agent_bytes = r.get_vec<char>("agent");
  std::unique_ptr<DdpgRun> run;
  try {
    run = std::make_unique<DdpgRun>(DdpgRun{DdpgAgent::load(agent_bytes), make_checked_env(factory)});
  } catch (const std::exception& e) {
    r.fail(e.what());
  }
  run->counters = std::move(n);
  if (run->env->observation_size() != run->agent.observation_size() ||
      run->env->action_size() != run->agent.action_size())
    r.fail("the environment's sizes do not match the agent's");
  size_buffers(*run);
  io::get_env_state(r, *run->env);
  r.get_into(run->obs, "observation");
  run->episode_return = r.get<double>("episode return");
  run->episode_length = r.get<std::int64_t>("episode length");
  if (run->episode_length < 0) r.fail("negative episode length");
  if (!r.done()) r.fail("trailing bytes after the payload");
  return run;
}

}  // namespace detail
}  // namespace coagent
