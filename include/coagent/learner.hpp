// coagent/learner.hpp — what every training algorithm offers: the local-rule
// Trainer (coagent/trainer.hpp), DDPG (coagent/ddpg.hpp), ARS (coagent/ars.hpp) and the
// next one.
//
// A Learner owns its run: settings, model, environments in flight, counters and
// episode bookkeeping. It trains until a step count, evaluates its greedy policy,
// and saves itself into the one checkpoint archive format (coagent/checkpoint.hpp),
// from which load_learner() constructs it again: a resumed run continues exactly
// (same digest) as one never interrupted. The session loop (coagent/session.hpp)
// drives any Learner: budget, periodic checkpoints, metrics, stop requests.
//
// Threading contract (every implementation)
//   * A Learner is driven by one thread, the "driver"; its members must not run
//     concurrently with each other, except request_stop(), which is thread-safe
//     (signal handlers, GUIs, callbacks) and async-signal-safe (one atomic store).
//   * train_until() returns at the next step boundary (ARS: iteration boundary, see
//     coagent/ars.hpp; it may also end past `until`) after a stop request, with a
//     state that saves and resumes; the request is consumed when it returns, and a
//     request made before the call makes it return at once.
//   * Hooks: progress runs on the driver thread; episode may run on worker threads
//     (one call at a time) and must not call back into the Learner. An exception
//     from a hook or an environment leaves train_until() on the driver thread after
//     every task of the run has finished, at a step boundary.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"

namespace coagent {

class Wire;  // coagent/wire.hpp

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

// A deterministic policy: writes the action for an observation.
using GreedyPolicy = std::function<void(std::span<const double> obs, std::span<double> action)>;

// Greedy evaluation shared by every agent: `episodes` episodes on `env`, reset(seed)
// for the first and reset() after (as Gymnasium), with the environment's success and
// "solved" criteria. Throws std::invalid_argument if episodes < 1.
EvalResult evaluate_greedy(Env& env, int episodes, std::uint64_t seed, const GreedyPolicy& policy);

// The default evaluation seed of a run: its seed + 1,000,000 (never a training seed).
constexpr std::uint64_t default_eval_seed(std::uint64_t run_seed) noexcept {
  return run_seed + 1000000;
}

// Throws std::invalid_argument naming the first key that differs between `from` and
// `to` and that a run may not change (resumable_setting, coagent/config.hpp), or a step total below `steps_done`; validates `to`.
void check_resumable_change(const TrainConfig& from, const TrainConfig& to,
                            std::int64_t steps_done);

// One named array of a learned model (named_parameters() / set_named_parameters()): row-major
// values of the given shape, e.g. "layer1.K" (width x fan-in).
struct NamedArray {
  std::string name;
  std::vector<int> shape;
  std::vector<double> values;
};

// What a training call reports, and how often.
struct TrainHooks {
  ProgressFn progress;                 // lockstep: every progress_every steps; async: ~4/s
  std::int64_t progress_every = 1000;  // and once at the end
  EpisodeFn episode;                   // every finished training episode
};

class Learner {
 public:
  virtual ~Learner() = default;

  // The run's settings. Shared by every algorithm: algo, env, steps (the run's
  // total), seed, eval-episodes; the local-rule keys describe a Trainer only.
  virtual const TrainConfig& config() const noexcept = 0;
  // Changes the settings a running or resumed run may change: the step total, the
  // evaluation episodes and the runtime (mode, threads, shard size). Throws
  // std::invalid_argument naming the first other key that differs, or a total below
  // steps_done().
  virtual void update_settings(const TrainConfig& changed) = 0;

  virtual std::int64_t steps_done() const noexcept = 0;
  virtual std::int64_t episodes_done() const noexcept = 0;
  // Widths of the actor, input to output.
  virtual std::vector<int> shape() const = 0;

  // Trains until steps_done() reaches `until` (or a stop is requested).
  virtual void train_until(std::int64_t until, const TrainHooks& hooks) = 0;
  virtual void request_stop() noexcept = 0;

  // A fresh environment like the ones it trains on.
  virtual std::unique_ptr<Env> make_environment() const = 0;
  // The greedy policy; valid while the Learner lives and is not training.
  virtual GreedyPolicy greedy_policy() const = 0;
  // Greedy evaluation on a fresh environment seeded from `seed`.
  virtual EvalResult evaluate(int episodes, std::uint64_t seed) const = 0;
  // Reads and resets per-layer statistics (empty where an algorithm keeps none).
  virtual std::vector<LayerStats> take_layer_stats() = 0;

  // The learned parameters as named arrays (the local rules: every layer's weights and
  // private critic, and the environment critic; empty where an algorithm offers none).
  virtual std::vector<NamedArray> named_parameters() const { return {}; }
  // Writes arrays of named_parameters() back (any subset, by name). Throws
  // std::invalid_argument naming an unknown name, a wrong shape or a non-finite value
  // (then nothing is written); the default throws for algorithms without named_parameters().
  virtual void set_named_parameters(const std::vector<NamedArray>& arrays);

  // What the run is, in words, for the first line a front end prints: the environment,
  // the algorithm and its model, the budget, the seed and, for the local rules, the
  // runtime (e.g. "Pendulum-v1: network 3-64-64-1, rule perturb, 200000 steps, seed 1,
  // lockstep mode (auto)").
  virtual std::string describe() const = 0;
  // Mode mpi: the ranks the run spans (coagent/wire.hpp). The default throws
  // std::invalid_argument: only the local rules run across ranks.
  virtual void use_wire(std::shared_ptr<Wire> wire);

  // SHA-256 (hex) of the learned and resumable state (not the settings): two runs
  // with the same digest continue identically.
  virtual std::string digest() const = 0;
  // Writes the whole run to `path` atomically (checkpoint.hpp's container).
  virtual void save(const std::string& path) const = 0;
};

}  // namespace coagent
