// coagent/trainer.hpp — training and evaluating an actor with a local rule.
//
// Threading contract
//   * A Trainer is driven by one thread (the "driver"): the constructor, train(),
//     evaluate(), checkpointing and every accessor must not run concurrently with
//     each other. Not thread-safe unless marked otherwise below.
//   * request_stop() and stop_requested() are thread-safe and may be called from any
//     thread (a signal watcher, a GUI, a progress callback). train() then returns at
//     the next step boundary with a consistent state that can be saved and resumed.
//     A request made before train() starts makes it return at once; train() consumes
//     the request when it returns, so the next train() runs.
//   * The progress callback always runs on the driver thread.
//   * mode = lockstep: everything runs on the driver thread.
//     mode = async: train() runs the neurons as tasks in the trainer's own oneTBB
//     task_arena of `threads` slots (the library never sets global_control; an
//     application that wants more worker threads than cores sets it). Environments
//     are then stepped on worker threads, one thread at a time per environment.
//     The runtime's own contract is at the top of src/runtime/async_runtime.hpp.
//   * Exceptions thrown by an environment (or its factory), by the progress callback
//     or by the episode callback propagate out of train() on the driver thread, in
//     both modes, after every task of the run has finished; the run stops at a step
//     boundary (the state stays consistent and can be saved), nothing hangs.
//   * Environments are created through the EnvFactory on the driver thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "coagent/env_critic.hpp"
#include "coagent/network.hpp"

namespace coagent {

struct TrainProgress {
  std::int64_t step = 0;         // environment steps so far (all environments)
  std::int64_t total_steps = 0;  // the run's target
  std::int64_t episodes = 0;     // finished episodes
  double recent_return = 0.0;    // mean return of the last (up to) 20 episodes
  bool has_recent_return = false;
  double steps_per_second = 0.0;
};
using ProgressFn = std::function<void(const TrainProgress&)>;

struct EvalResult {
  std::string env;
  int episodes = 0;
  std::uint64_t seed = 0;
  double mean_return = 0.0, std_return = 0.0, min_return = 0.0, max_return = 0.0;
  double success_rate = 0.0;
  double mean_length = 0.0;
  bool solved = false;
  std::string criterion;
};

// One finished training episode.
struct EpisodeRecord {
  std::int64_t step = 0;     // environment steps so far (all environments)
  std::int64_t episode = 0;  // finished episodes so far, this one included
  double episode_return = 0.0;
  std::int64_t length = 0;
  int env_index = 0;
};
using EpisodeFn = std::function<void(const EpisodeRecord&)>;

// Per-layer learning statistics since they were last read.
struct LayerStats {
  int layer = 0;                // 1-based
  double mean_abs_td = 0.0;     // mean |TD error| over neurons and steps
  double action_coef_mean = 0.0, action_coef_std = 0.0;  // th_a (linear) or w_b
  double weight_norm = 0.0;     // Frobenius norm of the layer's weights
  double mean_abs_noise = 0.0;  // mean |xi| actually added (the exploration scale)
  std::int64_t updates = 0;     // learning steps summed over neurons
};

// Thrown when a parameter, a TD error or an action becomes NaN or infinite; the
// message names the layer, the neuron and the step.
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Counters of the last run, for tests and benchmarks. Async: they prove that no
// frame was lost or processed twice. Lockstep: how many layer steps were split over
// the executor and how many shard bodies ran (zero when every layer ran whole).
struct RunStats {
  std::int64_t env_steps = 0;
  std::int64_t frames_created = 0;     // all levels
  std::int64_t frames_released = 0;    // returned to their pool
  std::int64_t pool_misses = 0;        // frames allocated because a pool ran dry
  std::int64_t shard_messages = 0;     // frames processed by all shards
  std::int64_t expected_messages = 0;  // frames published to a layer x its shard count
  std::int64_t tasks = 0;              // shard task executions
  std::int64_t split_layer_steps = 0;  // lockstep: layer steps run as parallel shards
  std::int64_t shard_bodies = 0;       // lockstep: shard bodies those steps ran
};

namespace runtime {
class Executor;
}

// A deterministic policy: writes the action for an observation.
using GreedyPolicy = std::function<void(std::span<const double> obs, std::span<double> action)>;

// Greedy evaluation shared by every agent: `episodes` episodes on `env`, reset(seed)
// for the first and reset() after (as Gymnasium), with the environment's success and
// "solved" criteria. Throws std::invalid_argument if episodes < 1.
EvalResult evaluate_greedy(Env& env, int episodes, std::uint64_t seed, const GreedyPolicy& policy);

// Per-environment run state: what a checkpoint needs to resume exactly.
struct EnvSlot {
  std::unique_ptr<Env> env;
  std::vector<double> obs;                  // the latest observation
  std::int64_t episode_length = 0;
  std::vector<std::vector<float>> frames;   // per layer input (0) and outputs: 2 x stride
  int parity = 0;                           // which half of each frame is "current"
  double episode_return = 0.0;
  std::int64_t episode_index = -1;          // episodes started in this environment - 1
  std::uint32_t explore_mask = ~0u;         // layers exploring this episode (bit l)
};

class Trainer {
 public:
  // Builds a fresh run. With no factory, cfg.env names a built-in environment.
  // Throws std::invalid_argument on a bad configuration.
  explicit Trainer(TrainConfig cfg, EnvFactory factory = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until steps_done() reaches config().steps or a stop is requested, in
  // config().mode. Lockstep calls `progress` every `progress_every` steps, async about
  // every quarter second; both call it once at the end. Driver thread only.
  void train(const ProgressFn& progress = {}, std::int64_t progress_every = 1000);
  // Thread-safe: asks train() to return at the next step boundary.
  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  // Greedy evaluation on fresh environments seeded from `seed`.
  EvalResult evaluate(int episodes, std::uint64_t seed) const;
  // The default evaluation seed of a run: its seed + 1,000,000 (never a training seed).
  static std::uint64_t default_eval_seed(std::uint64_t run_seed) noexcept {
    return run_seed + 1000000;
  }

  const TrainConfig& config() const noexcept { return cfg_; }
  TrainConfig& mutable_config() noexcept { return cfg_; }
  Network& network() noexcept { return net_; }
  const Network& network() const noexcept { return net_; }
  std::int64_t steps_done() const noexcept { return steps_; }
  std::int64_t episodes_done() const noexcept { return episodes_; }
  std::vector<EnvSlot>& slots() noexcept { return slots_; }
  const std::vector<EnvSlot>& slots() const noexcept { return slots_; }
  const std::vector<double>& recent_returns() const noexcept { return recent_; }
  // The environment-state critic whose TD error is broadcast to the neurons (rule
  // perturb); nullptr for the other rules. Driver thread, or under the async
  // runtime's critic lock.
  EnvCritic* env_critic() noexcept { return critic_.get(); }
  const EnvCritic* env_critic() const noexcept { return critic_.get(); }

  // Called for every finished training episode. Lockstep: on the driver thread.
  // Async: on worker threads, one call at a time (serialised by the runtime), so
  // the callback must not call back into the Trainer.
  void set_episode_callback(EpisodeFn fn) { on_episode_ = std::move(fn); }
  // Reads and resets the per-layer statistics. Driver thread, between train() calls
  // (or from a lockstep progress callback).
  std::vector<LayerStats> take_layer_stats();

  // Throws DivergenceError naming the first non-finite parameter (layer, neuron,
  // which parameter) and the current step. train() calls it at every progress report
  // and at the end; an action is checked before every environment step.
  void check_finite() const;

  // Replaces the executor async runs use (default: a oneTBB arena of
  // config().threads slots; the std::thread executor in TSan builds).
  void use_executor(std::unique_ptr<runtime::Executor> executor);
  // Counters of the last async run (zeros after a lockstep run).
  const RunStats& last_run_stats() const noexcept { return stats_; }

  // Used by checkpoint loading to restore counters.
  void restore_counters(std::int64_t steps, std::int64_t episodes,
                        std::vector<double> recent);
  // Used by the runtimes; not thread-safe (the async runtime serialises calls).
  void record_episode(double ret, std::int64_t length, int env_index, std::int64_t step);
  void add_steps(std::int64_t n) noexcept { steps_ += n; }
  // Makes a new environment through the run's factory.
  std::unique_ptr<Env> make_environment() const;
  // Counts a new episode of environment e and sets which layers explore in it.
  void next_episode_schedule(EnvSlot& slot, int e) const noexcept {
    ++slot.episode_index;
    slot.explore_mask = cfg_.explore_mask(e, slot.episode_index);
  }

 private:
  void start_episode(EnvSlot& slot, int e, std::optional<std::uint64_t> seed);
  void forward(EnvSlot& slot, int e, StepSignal signal, FrameKind kind);
  void train_lockstep(const ProgressFn& progress, std::int64_t progress_every);

  TrainConfig cfg_;
  EnvFactory factory_;
  Network net_;
  std::unique_ptr<EnvCritic> critic_;
  std::vector<int> frame_stride_;  // padded widths, input first
  std::vector<EnvSlot> slots_;
  std::vector<double> action_;
  std::int64_t steps_ = 0;
  std::int64_t episodes_ = 0;
  std::vector<double> recent_;  // ring of the last returns (oldest first)
  std::atomic<bool> stop_{false};
  std::unique_ptr<runtime::Executor> executor_;
  EpisodeFn on_episode_;
  RunStats stats_;
  std::atomic<std::int64_t> shard_bodies_{0};  // lockstep: counted by the shard bodies
};

}  // namespace coagent
