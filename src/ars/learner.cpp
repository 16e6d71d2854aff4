// src/ars/learner.cpp — ARS as a Learner: whole iterations until the step target,
// progress reports, greedy evaluation, and the run's checkpoint bytes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <chrono>
#include <stdexcept>
#include <string>

#include "ars/ars_run.hpp"
#include "io/archive.hpp"
#include "io/sha256.hpp"

namespace coagent {
namespace {

TrainConfig validated_ars(TrainConfig cfg) {
  cfg.validate();
  cfg.algo = Algo::ars;
  return cfg;
}

std::vector<char> state_bytes(const detail::ArsRun& run) {
  io::ByteWriter w;
  detail::put_ars_state(w, run);
  return w.bytes();
}

}  // namespace

ArsLearner::ArsLearner(TrainConfig cfg, const ArsConfig& ars, EnvFactory factory)
    : cfg_(validated_ars(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)),
      run_(detail::make_ars_run(ars, factory_, cfg_.seed)) {}

ArsLearner::ArsLearner(TrainConfig cfg, EnvFactory factory, std::unique_ptr<detail::ArsRun> run)
    : cfg_(validated_ars(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)),
      run_(std::move(run)) {}

ArsLearner::~ArsLearner() = default;

void ArsLearner::update_settings(const TrainConfig& changed) {
  check_resumable_change(cfg_, changed, steps_done());
  if (changed.threads != cfg_.threads) executor_.reset();
  cfg_ = changed;
  cfg_.algo = Algo::ars;
}

std::int64_t ArsLearner::steps_done() const noexcept { return run_->counters.steps; }
std::int64_t ArsLearner::episodes_done() const noexcept { return run_->counters.episodes; }
std::vector<int> ArsLearner::shape() const { return run_->shape.widths; }
const ArsConfig& ArsLearner::ars_config() const noexcept { return run_->config; }
std::int64_t ArsLearner::iterations() const noexcept { return run_->iterations; }
const std::vector<double>& ArsLearner::parameters() const noexcept { return run_->theta; }
std::vector<double> ArsLearner::observation_mean() const { return run_->stats.mean; }
std::vector<double> ArsLearner::observation_std() const {
  std::vector<double> s(run_->stats.mean.size());
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = run_->stats.stddev(i);
  return s;
}

std::unique_ptr<Env> ArsLearner::make_environment() const { return make_checked_env(factory_); }

void ArsLearner::train_until(std::int64_t until, const TrainHooks& hooks) {
  const detail::ConsumeStop consume{stop_};
  detail::EpisodeCounters& n = run_->counters;
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t start = n.steps;
  auto report = [&] {
    if (hooks.progress) hooks.progress(n.progress(n.steps, cfg_.steps, n.steps - start, t0));
  };
  if (cfg_.threads != 1 && !executor_) executor_ = make_default_executor(cfg_.threads);
  while (n.steps < until && !stop_.load(std::memory_order_relaxed)) {
    const std::int64_t before = n.steps;
    detail::run_ars_iteration(*run_, cfg_.seed, cfg_.threads == 1 ? nullptr : executor_.get(),
                              hooks.episode);
    if (hooks.progress_every > 0 &&
        n.steps / hooks.progress_every != before / hooks.progress_every)
      report();
  }
  report();
}

GreedyPolicy ArsLearner::greedy_policy() const {
  const std::size_t need = run_->stats.mean.size() + 2 * static_cast<std::size_t>(run_->shape.max_width());
  return [run = run_.get(), scratch = std::vector<double>(need)](
             std::span<const double> obs, std::span<double> action) mutable {
    detail::ars_act(*run, obs, scratch, action);
  };
}

EvalResult ArsLearner::evaluate(int episodes, std::uint64_t seed) const {
  auto env = make_checked_env(factory_);
  if (env->observation_size() != run_->shape.widths.front() ||
      env->action_size() != run_->shape.widths.back())
    throw std::invalid_argument("ars: the environment's sizes do not match the policy's");
  return evaluate_greedy(*env, episodes, seed, greedy_policy());
}

std::string ArsLearner::describe() const {
  const ArsConfig& c = ars_config();
  return fmt::format(
      "{} with ARS (V2-t, no backprop): policy {}, {} directions (top {}), noise {}, step {}, "
      "{} steps, seed {}",
      cfg_.env, fmt::join(shape(), "-"), c.directions, c.top, c.noise, c.step, cfg_.steps,
      cfg_.seed);
}

std::string ArsLearner::digest() const {
  const std::vector<char> bytes = state_bytes(*run_);
  return io::sha256_hex(bytes.data(), bytes.size());
}

void ArsLearner::save(const std::string& path) const {
  io::ByteWriter w;
  w.put_str(config_to_text(cfg_));
  detail::put_ars_run(w, *run_);
  io::write_archive(path, w.bytes());
}

namespace detail {

void put_ars_state(io::ByteWriter& w, const ArsRun& run) {
  w.put(run.counters.steps);
  w.put(run.counters.episodes);
  w.put_vec(run.counters.recent);
  w.put(run.iterations);
  w.put_vec(run.shape.widths);
  w.put_vec(run.theta);
  w.put(run.stats.count);
  w.put_vec(run.stats.mean);
  w.put_vec(run.stats.m2);
  w.put(run.directions.state());
  w.put(run.directions.increment());
}

void put_ars_run(io::ByteWriter& w, const ArsRun& run) {
  w.put_str(ars_config_to_text(run.config, ""));
  put_ars_state(w, run);
}

std::unique_ptr<ArsRun> read_ars_run(io::ByteReader& r, const EnvFactory& factory) {
  auto run = std::make_unique<ArsRun>();
  const std::string text = r.get_str("ars settings");
  try {
    read_settings_text(text, [&](std::string_view k, std::string_view v) {
      set_ars_config_entry(run->config, k, v);
    });
    run->config.validate();
  } catch (const std::invalid_argument& e) {
    r.fail(fmt::format("bad ars settings: {}", e.what()));
  }
  EpisodeCounters& n = run->counters;
  n.steps = r.get<std::int64_t>("step counter");
  n.episodes = r.get<std::int64_t>("episode counter");
  n.recent = r.get_vec<double>("recent returns");
  run->iterations = r.get<std::int64_t>("iteration counter");
  if (n.steps < 0 || n.episodes < 0 || run->iterations < 0) r.fail("negative counters");
  if (n.recent.size() > kRecentEpisodes) r.fail("too many recent returns");
  std::unique_ptr<Env> probe;
  try {
    probe = make_checked_env(factory);
  } catch (const std::exception& e) {
    r.fail(e.what());
  }
  run->shape = ars::policy_shape(run->config, probe->observation_size(), probe->action_size());
  run->action_bounds = probe->action_bounds();
  if (r.get_vec<int>("policy widths") != run->shape.widths)
    r.fail(fmt::format("the policy's widths do not match the settings and environment ({})",
                       fmt::join(run->shape.widths, "-")));
  const std::size_t count = run->shape.parameter_count();
  if (count > r.left() / sizeof(double))  // before allocating what the settings describe
    r.fail(fmt::format("the policy's {} parameters run past the end", count));
  run->theta.resize(count);
  r.get_into(run->theta, "policy parameters");
  for (double x : run->theta)
    if (!std::isfinite(x)) r.fail("a non-finite policy parameter");
  run->stats = RunningStats(static_cast<std::size_t>(probe->observation_size()));
  run->stats.count = r.get<std::int64_t>("observation count");
  if (run->stats.count < 0) r.fail("negative observation count");
  r.get_into(run->stats.mean, "observation mean");
  r.get_into(run->stats.m2, "observation variance");
  for (std::size_t i = 0; i < run->stats.mean.size(); ++i)
    if (!std::isfinite(run->stats.mean[i]) || !std::isfinite(run->stats.m2[i]) ||
        run->stats.m2[i] < 0.0)
      r.fail("bad observation statistics");
  const auto state = r.get<std::uint64_t>("direction stream");
  const auto inc = r.get<std::uint64_t>("direction stream");
  run->directions.restore(state, inc);
  if (!r.done()) r.fail("trailing bytes after the payload");
  try {
    make_rollout_envs(*run, factory);
  } catch (const std::exception& e) {
    r.fail(e.what());
  }
  return run;
}

}  // namespace detail
}  // namespace coagent
