// src/runtime/trainer.cpp — the lockstep driver: environments round-robin, layers in
// order, one frame at a time. This is the reference every other mode is compared to.
#include "coagent/trainer.hpp"

#include "runtime/async_runtime.hpp"
#include "runtime/executor.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace coagent {

namespace {
constexpr std::size_t kRecentEpisodes = 20;
// Lockstep splits a layer across threads only from this many weights (64 x 256):
// below it the per-layer barrier costs more than the layer. Results are the same
// either way.
constexpr std::int64_t kParallelMinWork = 16384;
}

Trainer::Trainer(TrainConfig cfg, EnvFactory factory)
    : cfg_(std::move(cfg)), factory_(std::move(factory)) {
  cfg_.validate();
  if (cfg_.algo != Algo::local)
    throw std::invalid_argument("a Trainer runs local rules; algo 'ddpg' is trained by train_ddpg()");
  if (!factory_) {
    make_env(cfg_.env);  // throws on an unknown name
    factory_ = [name = cfg_.env] { return make_env(name); };
  }
  std::unique_ptr<Env> probe = make_environment();
  if (!factory_ || !probe) throw std::invalid_argument("environment factory returned null");
  net_ = Network(cfg_, probe->observation_size(), probe->observation_bounds(),
                 probe->action_bounds());
  action_.assign(net_.action_size(), 0.0);
  if (cfg_.rule == Rule::perturb)
    critic_ = std::make_unique<EnvCritic>(
        EnvCriticSettings{cfg_.critic_features, cfg_.critic_bandwidth, cfg_.alpha_env_critic,
                          cfg_.critic_lambda, cfg_.gamma},
        net_.input_stride(), cfg_.envs, cfg_.seed);

  slots_.resize(cfg_.envs);
  for (int w : net_.shape()) frame_stride_.push_back(padded(w));
  for (int e = 0; e < cfg_.envs; ++e) {
    EnvSlot& slot = slots_[e];
    slot.env = e == 0 ? std::move(probe) : make_environment();
    slot.obs.assign(net_.obs_size(), 0.0);
    for (int s : frame_stride_) slot.frames.emplace_back(2 * static_cast<std::size_t>(s), 0.0f);
    start_episode(slot, e, cfg_.seed + static_cast<std::uint64_t>(e));
  }
}

Trainer::~Trainer() = default;

std::unique_ptr<Env> Trainer::make_environment() const {
  auto env = factory_();
  if (!env) throw std::invalid_argument("environment factory returned null");
  if (env->observation_size() < 1 || env->action_size() < 1)
    throw std::invalid_argument("environment '" + std::string(env->name()) +
                                "' has an empty observation or action");
  return env;
}

void Trainer::start_episode(EnvSlot& slot, int e, std::optional<std::uint64_t> seed) {
  slot.env->reset(seed, slot.obs);
  slot.episode_return = 0.0;
  slot.episode_length = 0;
  next_episode_schedule(slot, e);
  forward(slot, e, StepSignal{}, FrameKind::first);
}

void Trainer::forward(EnvSlot& slot, int e, StepSignal signal, FrameKind kind) {
  const int prev = slot.parity;
  const int cur = 1 - prev;
  auto half = [&](int k, int which) {
    return slot.frames[k].data() + static_cast<std::size_t>(which) * frame_stride_[k];
  };
  net_.encode(slot.obs, half(0, cur));
  if (critic_) {
    const std::span<const float> v(half(0, cur), static_cast<std::size_t>(frame_stride_[0]));
    if (kind == FrameKind::first) critic_->begin(e, v);
    else signal.td = critic_->step(e, v, signal.reward, signal.terminated);
  }
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
    if (shards <= 1) {
      neurons_step(net_.spec(l), net_.rule(), layer, e, 0, width, half(l, prev), half(l, cur),
                   signal, kind, half(l + 1, cur), explore);
      continue;
    }
    // Lockstep over shards: a barrier per layer; any split gives identical results.
    ++stats_.split_layer_steps;
    executor_->parallel_for(shards, [&](int s) {
      shard_bodies_.fetch_add(1, std::memory_order_relaxed);
      const int b = s * size;
      neurons_step(net_.spec(l), net_.rule(), layer, e, b, std::min(width, b + size),
                   half(l, prev), half(l, cur), signal, kind, half(l + 1, cur), explore);
    });
  }
  slot.parity = cur;
}

void Trainer::record_episode(double ret, std::int64_t length, int env_index,
                             std::int64_t step) {
  ++episodes_;
  recent_.push_back(ret);
  if (recent_.size() > kRecentEpisodes) recent_.erase(recent_.begin());
  if (on_episode_) on_episode_(EpisodeRecord{step, episodes_, ret, length, env_index});
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

void Trainer::restore_counters(std::int64_t steps, std::int64_t episodes,
                               std::vector<double> recent) {
  steps_ = steps;
  episodes_ = episodes;
  recent_ = std::move(recent);
}

void Trainer::check_finite() const {
  for (int l = 0; l < net_.num_layers(); ++l) {
    const LayerParams& p = net_.layer(l).params;
    const std::pair<const char*, const std::vector<float>*> arrays[] = {
        {"weights", &p.K}, {"bias", &p.b}, {"critic weights", &p.cv},
        {"critic bias", &p.cc}, {"compatible weights", &p.wk}, {"action coefficient", &p.wa}};
    for (const auto& [what, v] : arrays) {
      const std::size_t per_neuron = v->size() / static_cast<std::size_t>(p.width);
      for (std::size_t i = 0; i < v->size(); ++i)
        if (!std::isfinite((*v)[i]))
          throw DivergenceError("diverged: layer " + std::to_string(l + 1) + ", neuron " +
                                std::to_string(i / per_neuron) + ": " + what + " is " +
                                std::to_string((*v)[i]) + " at step " + std::to_string(steps_));
    }
  }
}

void check_action_finite(const std::vector<double>& action, int layer, std::int64_t step) {
  for (std::size_t i = 0; i < action.size(); ++i)
    if (!std::isfinite(action[i]))
      throw DivergenceError("diverged: layer " + std::to_string(layer) + ", neuron " +
                            std::to_string(i) + ": action is " + std::to_string(action[i]) +
                            " at step " + std::to_string(step));
}

void Trainer::use_executor(std::unique_ptr<runtime::Executor> executor) {
  executor_ = std::move(executor);
}

void Trainer::train(const ProgressFn& progress, std::int64_t progress_every) {
  // However train() ends (budget, stop, an exception), the stop request is consumed.
  struct ConsumeStop {
    std::atomic<bool>& stop;
    ~ConsumeStop() { stop.store(false, std::memory_order_relaxed); }
  } consume{stop_};
  stats_ = RunStats{};
  shard_bodies_.store(0, std::memory_order_relaxed);
  if (cfg_.mode == Mode::async) {
    if (!executor_) executor_ = runtime::make_default_executor(cfg_.threads);
    stats_ = runtime::run_async(*this, *executor_, cfg_.shard_size,
                                [&](const TrainProgress& p) {
                                  if (progress) progress(p);
                                },
                                0.25);
  } else {
    if (cfg_.threads != 1 && !executor_) executor_ = runtime::make_default_executor(cfg_.threads);
    train_lockstep(progress, progress_every);
    stats_.shard_bodies = shard_bodies_.load(std::memory_order_relaxed);
  }
  check_finite();
}

void Trainer::train_lockstep(const ProgressFn& progress, std::int64_t progress_every) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::int64_t start = steps_;
  const int L = net_.num_layers();
  const int out_stride = frame_stride_[L];
  auto report = [&] {
    if (!progress) return;
    TrainProgress p;
    p.step = steps_;
    p.total_steps = cfg_.steps;
    p.episodes = episodes_;
    if (!recent_.empty()) {
      double s = 0.0;
      for (double r : recent_) s += r;
      p.recent_return = s / static_cast<double>(recent_.size());
      p.has_recent_return = true;
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    p.steps_per_second = dt > 0 ? static_cast<double>(steps_ - start) / dt : 0.0;
    progress(p);
  };
  while (steps_ < cfg_.steps && !stop_requested()) {
    // Environments take turns, so env e acts at steps e, e + E, e + 2E, ...
    const int e = static_cast<int>(steps_ % cfg_.envs);
    EnvSlot& slot = slots_[e];
    net_.decode(slot.frames[L].data() + static_cast<std::size_t>(slot.parity) * out_stride,
                action_);
    check_action_finite(action_, L, steps_);
    const StepResult r = slot.env->step(action_, slot.obs);
    ++steps_;
    slot.episode_return += r.reward;
    ++slot.episode_length;
    const StepSignal signal{static_cast<float>(r.reward * cfg_.reward_scale), r.terminated};
    if (r.terminated || r.truncated) {
      forward(slot, e, signal, FrameKind::last);
      const double ret = slot.episode_return;
      const std::int64_t length = slot.episode_length;
      // Reset first: if the episode callback throws, the state is still a step boundary.
      start_episode(slot, e, std::nullopt);
      record_episode(ret, length, e, steps_);
    } else {
      forward(slot, e, signal, FrameKind::mid);
    }
    if (progress_every > 0 && steps_ % progress_every == 0) {
      check_finite();
      report();
    }
  }
  report();
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

EvalResult Trainer::evaluate(int episodes, std::uint64_t seed) const {
  auto env = make_environment();
  std::vector<float> scratch;
  return evaluate_greedy(*env, episodes, seed, [&](std::span<const double> obs, std::span<double> action) {
    net_.greedy_action(obs, action, scratch);
  });
}

}  // namespace coagent
