// coagent/trainer.hpp — training and evaluating an actor with a local rule: the
// Learner of algo `local`.
//
// Threading contract (beyond the Learner's, coagent/learner.hpp)
//   * mode = lockstep: everything runs on the driver thread (layers wide enough are
//     split over the executor with a barrier per layer; results do not change).
//     mode = async: train_until() runs the neurons as tasks on the trainer's
//     executor, by default its own oneTBB task_arena of `threads` slots (the library
//     never sets global_control; an application that wants more worker threads than
//     cores sets it). Environments are then stepped on worker threads, one thread at
//     a time per environment. The runtime's own contract is at the top of
//     src/runtime/async_runtime.hpp.
//   * mode = mpi: every rank of the job builds the same Trainer (same settings, or the
//     same checkpoint) and calls train_until() with the same target; each trains its
//     block of every layer and its share of the environments with the async runtime,
//     and afterwards every rank holds the whole state (digest(), evaluate() agree
//     everywhere; save() writes on rank 0 only). The wire comes from use_wire() (with
//     MPI: coagent/mpi.hpp's use_mpi); train_until() is then called on the thread that
//     may use it (coagent/wire.hpp). Progress is reported on rank 0 only, episodes are
//     recorded (and on_episode called) on rank 0 for every environment.
//   * Environments are created through the EnvFactory on the driver thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "coagent/env_critic.hpp"
#include "coagent/executor.hpp"
#include "coagent/learner.hpp"
#include "coagent/network.hpp"
#include "coagent/placement.hpp"
#include "coagent/wire.hpp"

namespace coagent {


namespace detail {
struct RunState;
struct TrainerParts;
struct TrainerAccess;
}  // namespace detail

class Trainer final : public Learner {
 public:
  // Builds a fresh run. With no factory, cfg.env names a built-in environment.
  // Throws std::invalid_argument on a bad configuration.
  explicit Trainer(TrainConfig cfg, EnvFactory factory = {});
  ~Trainer() override;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until steps_done() reaches config().steps (or a stop is requested).
  void train(const ProgressFn& progress = {}, std::int64_t progress_every = 1000);
  void train_until(std::int64_t until, const TrainHooks& hooks) override;
  void request_stop() noexcept override { stop_.store(true, std::memory_order_relaxed); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  const TrainConfig& config() const noexcept override { return cfg_; }
  void update_settings(const TrainConfig& changed) override;
  std::int64_t steps_done() const noexcept override;
  std::int64_t episodes_done() const noexcept override;
  std::vector<int> shape() const override { return net_.shape(); }
  const std::vector<double>& recent_returns() const noexcept;

  std::unique_ptr<Env> make_environment() const override;
  GreedyPolicy greedy_policy() const override;
  EvalResult evaluate(int episodes, std::uint64_t seed) const override;
  std::vector<LayerStats> take_layer_stats() override;
  // "layer<l>.<K|b|cv|cc|wk|wa>" for l = 1..layers (K, cv, wk: width x fan-in, the
  // padding left out; wk only for rule compatible) and "critic.u", "critic.w" (the
  // environment critic's value and action-gradient weights, rules perturb and dfa).
  std::vector<NamedArray> named_parameters() const override;
  void set_named_parameters(const std::vector<NamedArray>& arrays) override;
  std::string describe() const override;
  std::string digest() const override;
  void save(const std::string& path) const override;

  static constexpr std::uint64_t default_eval_seed(std::uint64_t run_seed) noexcept {
    return coagent::default_eval_seed(run_seed);
  }

  const Network& network() const noexcept { return net_; }
  // The environment-state critic whose TD error is broadcast to the neurons (rule
  // perturb); nullptr for the other rules.
  const EnvCritic* env_critic() const noexcept { return critic_.get(); }

  // The episode hook of train() (train_until() takes its own).
  void set_episode_callback(EpisodeFn fn) { on_episode_ = std::move(fn); }

  // Throws DivergenceError naming the first non-finite parameter (layer, neuron,
  // which parameter) and the current step. Training calls it at every progress
  // report and at the end; an action is checked before every environment step.
  void check_finite() const;

  // Replaces the executor runs use (default: a oneTBB arena of config().threads
  // slots; the std::thread executor in TSan builds).
  void use_executor(std::unique_ptr<Executor> executor);
  // The ranks mode mpi runs over (coagent/wire.hpp); without one, mode mpi throws.
  void use_wire(std::shared_ptr<Wire> wire) override { wire_ = std::move(wire); }
  const Wire* wire() const noexcept { return wire_.get(); }
  // Counters of the last run.
  const RunStats& last_run_stats() const noexcept { return stats_; }

 private:
  friend struct detail::TrainerAccess;
  // The run a checkpoint stores (load_learner() reads it: detail::TrainerAccess::restore).
  Trainer(TrainConfig cfg, EnvFactory factory, detail::TrainerParts parts);
  void init_critic();
  void start_episode(int e, std::optional<std::uint64_t> seed);
  void forward(int e, StepSignal signal, FrameKind kind);
  void train_lockstep(std::int64_t until, const TrainHooks& hooks);
  void init_kept();
  void flush_rows() noexcept;

  TrainConfig cfg_;
  EnvFactory factory_;
  Network net_;
  std::unique_ptr<EnvCritic> critic_;
  std::vector<int> frame_stride_;  // padded widths, input first
  std::unique_ptr<detail::RunState> run_;
  std::vector<double> action_;
  std::atomic<bool> stop_{false};
  std::unique_ptr<Executor> executor_;
  std::shared_ptr<Wire> wire_;
  EpisodeFn on_episode_;
  RunStats stats_;
  std::atomic<std::int64_t> shard_bodies_{0};  // lockstep: counted by the shard bodies
  // Lockstep: per layer, the input of the row updates its next sweep applies (rules.hpp
  // RowUpdate) and whether there are any; none between runs (flush_rows).
  std::vector<std::vector<float>> kept_input_;
  std::vector<char> kept_;
};

}  // namespace coagent
