// src/local/trainer.cpp — the Trainer and its lockstep driver: environments
// round-robin, layers in order, one frame at a time. This is the reference every
// other mode is compared to.
#include "coagent/trainer.hpp"

#include "runtime/async_runtime.hpp"
#include "runtime/distributed.hpp"
#include "runtime/executor.hpp"
#include "local/trainer_access.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace coagent {

namespace {
// Lockstep splits a layer across threads only from this many weights (64 x 256):
// below it the per-layer barrier costs more than the layer. Results are the same
// either way.
constexpr std::int64_t kParallelMinWork = 16384;

TrainConfig validated_local(TrainConfig cfg) {
  cfg.validate();
  if (cfg.algo != Algo::local)
    throw std::invalid_argument(fmt::format("a Trainer runs local rules; algo '{}' is a {}",
                                            to_string(cfg.algo),
                                            cfg.algo == Algo::ddpg ? "DdpgLearner" : "ArsLearner"));
  return cfg;
}
}  // namespace

Trainer::Trainer(TrainConfig cfg, EnvFactory factory)
    : cfg_(validated_local(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)),
      run_(std::make_unique<detail::RunState>()) {
  std::unique_ptr<Env> probe = make_environment();
  net_ = Network(cfg_, probe->observation_size(), probe->observation_bounds(),
                 probe->action_bounds());
  init_critic();
  action_.assign(net_.action_size(), 0.0);
  for (int w : net_.shape()) frame_stride_.push_back(padded(w));
  init_kept();
  run_->slots.resize(cfg_.envs);
  for (int e = 0; e < cfg_.envs; ++e) {
    detail::EnvSlot& slot = run_->slots[e];
    slot.env = e == 0 ? std::move(probe) : make_environment();
    slot.obs.assign(net_.obs_size(), 0.0);
    for (int s : frame_stride_) slot.frames.emplace_back(2 * static_cast<std::size_t>(s), 0.0f);
    start_episode(e, cfg_.seed + static_cast<std::uint64_t>(e));
  }
}

Trainer::Trainer(TrainConfig cfg, EnvFactory factory, detail::TrainerParts parts)
    : cfg_(validated_local(std::move(cfg))),
      factory_(factory_or_builtin(std::move(factory), cfg_.env)),
      net_(std::move(parts.net)),
      critic_(std::move(parts.critic)),
      run_(std::make_unique<detail::RunState>(std::move(parts.run))) {
  action_.assign(net_.action_size(), 0.0);
  for (int w : net_.shape()) frame_stride_.push_back(padded(w));
  init_kept();
}

Trainer::~Trainer() = default;

void Trainer::init_kept() {
  kept_.assign(net_.num_layers(), 0);
  for (int l = 0; l < net_.num_layers(); ++l) kept_input_.emplace_back(frame_stride_[l], 0.0f);
}

void Trainer::init_critic() {
  if (uses_env_critic(cfg_.rule))
    critic_ = std::make_unique<EnvCritic>(env_critic_settings(cfg_, net_.action_size()),
                                          net_.obs_size(), cfg_.envs, cfg_.seed);
}

std::int64_t Trainer::steps_done() const noexcept { return run_->counters.steps; }
std::int64_t Trainer::episodes_done() const noexcept { return run_->counters.episodes; }
const std::vector<double>& Trainer::recent_returns() const noexcept {
  return run_->counters.recent;
}

std::unique_ptr<Env> Trainer::make_environment() const { return make_checked_env(factory_); }

std::string Trainer::describe() const {
  const std::vector<int> sh = shape();
  const Mode mode = resolved_mode(cfg_, sh);
  const int threads =
      cfg_.threads > 0 ? cfg_.threads : static_cast<int>(std::thread::hardware_concurrency());
  const std::string placement =
      fmt::format("{} threads, shard size {}, {} env{}", threads,
                  cfg_.shard_size > 0 ? std::to_string(cfg_.shard_size) : "auto", cfg_.envs,
                  cfg_.envs == 1 ? "" : "s");
  std::string runtime;
  if (mode == Mode::mpi) {
    const int ranks = wire_ ? wire_->size() : 1;
    runtime = fmt::format("mpi mode ({} rank{} x {})", ranks, ranks == 1 ? "" : "s", placement);
  } else {
    runtime = fmt::format("{} mode{}{}", to_string(mode),
                          cfg_.mode == Mode::automatic ? " (auto)" : "",
                          mode == Mode::async ? " (" + placement + ")" : std::string());
  }
  return fmt::format("{}: network {}, rule {}, {} steps, seed {}, {}", cfg_.env,
                     fmt::join(sh, "-"), to_string(cfg_.rule), cfg_.steps, cfg_.seed, runtime);
}

void Trainer::update_settings(const TrainConfig& changed) {
  check_resumable_change(cfg_, changed, steps_done());
  cfg_ = changed;
}

void Trainer::start_episode(int e, std::optional<std::uint64_t> seed) {
  detail::EnvSlot& slot = run_->slots[e];
  slot.env->reset(seed, slot.obs);
  slot.episode_return = 0.0;
  slot.episode_length = 0;
  slot.next_episode(cfg_, e);
  forward(e, StepSignal{}, FrameKind::first);
}

void Trainer::forward(int e, StepSignal signal, FrameKind kind) {
  detail::EnvSlot& slot = run_->slots[e];
  const int prev = slot.parity;
  const int cur = 1 - prev;
  auto half = [&](int k, int which) {
    return slot.frames[k].data() + static_cast<std::size_t>(which) * frame_stride_[k];
  };
  net_.observe(slot.obs);  // obs-norm running: the statistics include this observation
  net_.encode(slot.obs, half(0, cur));
  if (critic_) {
    const std::span<const float> v(half(0, cur), static_cast<std::size_t>(frame_stride_[0]));
    if (kind == FrameKind::first) critic_->begin(e, v);
    else  // dfa: the output frame of step t carries its noise after the voltages
      signal.td = critic_->step(e, v, signal.reward, signal.terminated,
                                half(net_.num_layers(), prev) + net_.action_size(),
                                signal.grad.data());
  }
  const NoiseClock clock = detail::noise_clock(slot.episode_index, slot.episode_length);
  const bool parallel = cfg_.threads != 1 && executor_;
  for (int l = 0; l < net_.num_layers(); ++l) {
    LayerState& layer = net_.layer(l);
    const int width = layer.params.width;
    // A barrier per layer costs microseconds: split only layers with enough work.
    const bool big = static_cast<std::int64_t>(width) * layer.params.stride >= kParallelMinWork;
    const int size = shard_size_for(cfg_.shard_size, width, layer.params.fan_in,
                                    parallel ? executor_->concurrency() : 1, cfg_.envs);
    const int shards = parallel && big ? (width + size - 1) / size : 1;
    const bool explore = (slot.explore_mask >> l) & 1u;
    const float* v_old = kept_[l] ? kept_input_[l].data() : nullptr;
    if (shards <= 1) {
      neurons_step(net_.spec(l), net_.rule(), layer, e, 0, width, v_old, half(l, prev),
                   half(l, cur), signal, kind, half(l + 1, cur), explore, clock);
    } else {
      // Lockstep over shards: a barrier per layer; any split gives identical results.
      ++stats_.split_layer_steps;
      executor_->parallel_for(shards, [&](int s) {
        shard_bodies_.fetch_add(1, std::memory_order_relaxed);
        const int b = s * size;
        neurons_step(net_.spec(l), net_.rule(), layer, e, b, std::min(width, b + size), v_old,
                     half(l, prev), half(l, cur), signal, kind, half(l + 1, cur), explore,
                     clock);
      });
    }
    // The row updates just recorded step along v_prev: keep it for the next sweep.
    kept_[l] = rows_pending(net_.spec(l), net_.rule(), layer, kind);
    if (kept_[l]) std::copy(half(l, prev), half(l, prev) + frame_stride_[l], kept_input_[l].begin());
  }
  slot.parity = cur;
}

std::vector<LayerStats> Trainer::take_layer_stats() {
  std::vector<LayerStats> out;
  for (int l = 0; l < net_.num_layers(); ++l) {
    LayerState& L = net_.layer(l);
    const LayerParams& p = L.params;
    LayerStats s;
    s.layer = l + 1;
    double td = 0.0, xi = 0.0, count = 0.0, w2 = 0.0, sum = 0.0, sum2 = 0.0;
    for (int n = 0; n < p.width; ++n) {
      td += L.stat_td_abs[n];
      xi += L.stat_xi_abs[n];
      count += L.stat_count[n];
      L.stat_td_abs[n] = L.stat_xi_abs[n] = 0.0;
      L.stat_count[n] = 0;
      sum += p.wa[n];
      sum2 += static_cast<double>(p.wa[n]) * p.wa[n];
    }
    for (float k : p.K) w2 += static_cast<double>(k) * k;
    s.mean_abs_td = count > 0 ? td / count : 0.0;
    s.mean_abs_noise = count > 0 ? xi / count : 0.0;
    s.updates = static_cast<std::int64_t>(count);
    s.action_coef_mean = sum / p.width;
    s.action_coef_std = std::sqrt(std::max(0.0, sum2 / p.width - s.action_coef_mean * s.action_coef_mean));
    s.weight_norm = std::sqrt(w2);
    out.push_back(s);
  }
  return out;
}

void Trainer::check_finite() const {
  for (int l = 0; l < net_.num_layers(); ++l) {
    const LayerParams& p = net_.layer(l).params;
    const std::pair<const char*, std::span<const float>> arrays[] = {
        {"weights", p.K}, {"bias", p.b}, {"critic weights", p.cv},
        {"critic bias", p.cc}, {"compatible weights", p.wk}, {"action coefficient", p.wa}};
    for (const auto& [what, v] : arrays) {
      const std::size_t per_neuron = v.size() / static_cast<std::size_t>(p.width);
      for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i]))
          throw DivergenceError("diverged: layer " + std::to_string(l + 1) + ", neuron " +
                                std::to_string(i / per_neuron) + ": " + what + " is " +
                                std::to_string(v[i]) + " at step " + std::to_string(steps_done()));
    }
  }
}

void Trainer::use_executor(std::unique_ptr<Executor> executor) {
  executor_ = std::move(executor);
}

void Trainer::train(const ProgressFn& progress, std::int64_t progress_every) {
  train_until(cfg_.steps, TrainHooks{progress, progress_every, on_episode_});
}

void Trainer::train_until(std::int64_t until, const TrainHooks& hooks) {
  const detail::ConsumeStop consume{stop_};
  stats_ = RunStats{};
  shard_bodies_.store(0, std::memory_order_relaxed);
  const Mode mode = resolved_mode(cfg_, net_.shape());
  if (mode == Mode::mpi && !wire_)
    throw std::invalid_argument(
        "mode: 'mpi' needs an MPI job: run `mpirun -np R coagent train --mode mpi ...`, or "
        "give the Trainer a wire (coagent::use_mpi in coagent/mpi.hpp)");
  if (mode == Mode::lockstep) {
    if (cfg_.threads != 1 && !executor_) executor_ = make_default_executor(cfg_.threads);
    train_lockstep(until, hooks);
    stats_.shard_bodies = shard_bodies_.load(std::memory_order_relaxed);
  } else {  // async, or async on every rank
    if (!executor_) executor_ = make_default_executor(cfg_.threads);
    const runtime::AsyncInputs in{cfg_, net_, *run_, critic_.get(), stop_, hooks.episode,
                                  until, cfg_.steps};
    stats_ = mode == Mode::mpi
                 ? runtime::run_distributed(in, *executor_, cfg_.shard_size, *wire_,
                                            wire_->rank() == 0 ? hooks.progress : ProgressFn{}, 0.25)
                 : runtime::run_async(in, *executor_, cfg_.shard_size, hooks.progress, 0.25);
  }
  check_finite();
}

void Trainer::flush_rows() noexcept {
  for (std::size_t l = 0; l < kept_.size(); ++l)
    if (std::exchange(kept_[l], 0))
      neurons_flush(net_.rule(), net_.layer(static_cast<int>(l)), 0,
                    net_.layer(static_cast<int>(l)).params.width, kept_input_[l].data());
}

void Trainer::train_lockstep(std::int64_t until, const TrainHooks& hooks) {
  // However the run ends (an exception included), no row update stays pending.
  struct Flush {
    Trainer& t;
    ~Flush() { t.flush_rows(); }
  } flush{*this};
  const auto t0 = std::chrono::steady_clock::now();
  detail::EpisodeCounters& n = run_->counters;
  const std::int64_t start = n.steps;
  const int L = net_.num_layers();
  const int out_stride = frame_stride_[L];
  auto report = [&] {
    if (hooks.progress) hooks.progress(n.progress(n.steps, cfg_.steps, n.steps - start, t0));
  };
  while (n.steps < until && !stop_requested()) {
    // Environments take turns, so env e acts at steps e, e + E, e + 2E, ...
    const int e = static_cast<int>(n.steps % cfg_.envs);
    detail::EnvSlot& slot = run_->slots[e];
    net_.decode(slot.frames[L].data() + static_cast<std::size_t>(slot.parity) * out_stride,
                action_);
    detail::throw_if_action_diverged(action_, L, n.steps);
    const StepResult r = slot.env->step(action_, slot.obs);
    ++n.steps;
    slot.episode_return += r.reward;
    ++slot.episode_length;
    const StepSignal signal{static_cast<float>(r.reward * cfg_.reward_scale), r.terminated};
    if (r.terminated || r.truncated) {
      forward(e, signal, FrameKind::last);
      const double ret = slot.episode_return;
      const std::int64_t length = slot.episode_length;
      // Reset first: if the episode callback throws, the state is still a step boundary.
      start_episode(e, std::nullopt);
      n.record(ret, length, e, n.steps, hooks.episode);
    } else {
      forward(e, signal, FrameKind::mid);
    }
    if (hooks.progress_every > 0 && n.steps % hooks.progress_every == 0) {
      flush_rows();
      check_finite();
      report();
    }
  }
  report();
}

GreedyPolicy Trainer::greedy_policy() const {
  return [this, scratch = std::make_shared<std::vector<float>>()](std::span<const double> obs,
                                                                   std::span<double> action) {
    net_.greedy_action(obs, action, *scratch);
  };
}

EvalResult Trainer::evaluate(int episodes, std::uint64_t seed) const {
  auto env = make_environment();
  return evaluate_greedy(*env, episodes, seed, greedy_policy());
}

}  // namespace coagent
