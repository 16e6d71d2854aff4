// coagent/ars.hpp — Augmented Random Search (Mania, Guy, Recht 2018), variant V2-t: the
// backprop-free peer of the local rules (docs/design.md §7.1). A deterministic policy
// (linear, or an MLP with tanh or relu hidden units) is perturbed along random Gaussian
// directions delta_k, each tried at theta + nu delta_k and theta - nu delta_k for one
// episode; the `top` directions by max(r+, r-) move theta by
//   theta += step / (top * sigma_R + 1e-6) * sum_k (r+_k - r-_k) delta_k,
// sigma_R the standard deviation of the 2 * top selected returns (as sb3-contrib's ARS:
// the unbiased one). Observations are normalised by the running mean and standard
// deviation of every state the rollouts visited (V2), frozen during an iteration.
//
// Conventions
//   * The policy's output is a scaled action in [-1, 1] (tanh, or clipped when squash
//     is off); the environment receives low + (a + 1) / 2 * (high - low).
//   * Steps: every environment step of every rollout counts. An iteration (2 *
//     directions episodes) is atomic: train_until(n) runs whole iterations while
//     steps_done() < n, so it may end past n, and a chunked run equals an
//     uninterrupted one. A stop request takes effect at the next iteration boundary.
//   * Determinism: the directions come from one seeded stream, rollout k of an
//     iteration resets its own environment with a seed derived from (run seed,
//     iteration, direction) — the + and - rollouts of a direction start alike — and the
//     results are reduced in candidate order: every run is bit-identical whatever the
//     thread count.
//
// Threading: the rollouts of an iteration run in parallel on the learner's executor
// (cfg.threads workers; 1: on the driver thread), each on its own environment. The
// Learner contract (coagent/learner.hpp) holds; the episode hook runs on the driver.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/config.hpp"  // SettingInfo
#include "coagent/env.hpp"
#include "coagent/learner.hpp"

namespace coagent {

class Executor;

enum class ArsActivation : std::uint8_t { tanh, relu };
std::string_view to_string(ArsActivation a) noexcept;

// The settings; defaults are RL Zoo's tuned ARS for Pendulum-v1, the block its
// classic-control entries inherit (hyperparams/ars.yml): MLP [16], n_delta 4, n_top 1,
// learning_rate 0.018, delta_std 0.1, zero_policy False, normalised observations, and
// sb3-contrib's policy: relu hidden units, tanh output.
struct ArsConfig {
  std::vector<int> hidden = {16};  // policy hidden widths; empty: a linear policy
  // sb3-contrib's MlpPolicy (relu) is what RL Zoo tuned; tanh is worse with its values
  // on Pendulum (docs/baselines.md).
  ArsActivation activation = ArsActivation::relu;
  int directions = 4;       // n_delta: directions per iteration (2x as many episodes)
  int top = 1;              // n_top: directions used in the update, at most `directions`
  double step = 0.018;      // alpha: the step size (learning rate)
  double noise = 0.1;       // nu: the perturbation's standard deviation (delta_std)
  bool zero_init = false;   // start from theta = 0 (else PyTorch's nn.Linear init)
  bool squash = true;       // tanh output; false: clipped to [-1, 1]
  bool obs_norm = true;     // V2: running mean/std of the visited states
  double obs_clip = 10.0;   // normalised observations are clipped to +-this
  // Added to every step's reward when candidates are ranked and stepped along, never
  // to the returns reported (sb3-contrib's alive_bonus_offset; RL Zoo uses -1 on Hopper,
  // Walker2d and Ant to take their healthy bonus out of the search).
  double alive_bonus_offset = 0.0;

  // Throws std::invalid_argument naming the field, the value and the allowed range.
  void validate() const;
};

// The settings as ordered (key, value) pairs in config-file syntax (`hidden`,
// `directions`, ...); set_ars_config_entry accepts every key it prints and throws
// std::invalid_argument naming the key and value otherwise.
std::vector<std::pair<std::string, std::string>> ars_config_entries(const ArsConfig& c);
void set_ars_config_entry(ArsConfig& c, std::string_view key, std::string_view value);
// The settings table behind them: every key once, with its help, default and range.
const std::vector<SettingInfo>& ars_config_settings();
// `key = value` lines, each key prefixed with `key_prefix` (the `ars-*` entries of a
// config file).
std::string ars_config_to_text(const ArsConfig& c, std::string_view key_prefix = "ars-");

namespace detail {
struct ArsRun;
}

class ArsLearner final : public Learner {
 public:
  // A fresh run; with no factory, cfg.env names a built-in environment (every action
  // bound finite, low < high). Throws std::invalid_argument on bad settings.
  ArsLearner(TrainConfig cfg, const ArsConfig& ars, EnvFactory factory = {});
  // The run stored in a checkpoint (load_learner() reads it).
  ArsLearner(TrainConfig cfg, EnvFactory factory, std::unique_ptr<detail::ArsRun> run);
  ~ArsLearner() override;
  ArsLearner(const ArsLearner&) = delete;
  ArsLearner& operator=(const ArsLearner&) = delete;

  const TrainConfig& config() const noexcept override { return cfg_; }
  void update_settings(const TrainConfig& changed) override;
  std::int64_t steps_done() const noexcept override;
  std::int64_t episodes_done() const noexcept override;
  std::vector<int> shape() const override;

  void train_until(std::int64_t until, const TrainHooks& hooks) override;
  void request_stop() noexcept override { stop_.store(true, std::memory_order_relaxed); }

  std::unique_ptr<Env> make_environment() const override;
  GreedyPolicy greedy_policy() const override;
  EvalResult evaluate(int episodes, std::uint64_t seed) const override;
  std::vector<LayerStats> take_layer_stats() override { return {}; }
  std::string describe() const override;
  // SHA-256 over the counters, the parameters, the observation statistics and the
  // direction stream (not the settings).
  std::string digest() const override;
  void save(const std::string& path) const override;

  const ArsConfig& ars_config() const noexcept;
  std::int64_t iterations() const noexcept;
  // theta, layer by layer [W_1 (row-major, out x in), b_1, ...].
  const std::vector<double>& parameters() const noexcept;
  std::vector<double> observation_mean() const;
  std::vector<double> observation_std() const;  // what the policy divides by

 private:
  TrainConfig cfg_;
  EnvFactory factory_;
  std::unique_ptr<detail::ArsRun> run_;
  std::unique_ptr<Executor> executor_;  // made on first use when threads != 1
  std::atomic<bool> stop_{false};
};

}  // namespace coagent
