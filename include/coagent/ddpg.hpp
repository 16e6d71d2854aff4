// coagent/ddpg.hpp — the backprop baseline: DDPG (Lillicrap et al. 2016) as in
// Stable-Baselines3 / RL Zoo, with an MLP actor and critic, Adam, a replay buffer,
// target networks with soft updates, Gaussian or Ornstein–Uhlenbeck action noise and
// optional running observation normalisation (docs/design.md §4, §5).
//
// Conventions
//   * The actor's output is the *scaled action* in [-1, 1] (tanh); the environment
//     receives low + (scaled + 1) / 2 * (high - low). Exploration noise is added in
//     scaled space (so noise_std is relative to the action half-range) and the sum is
//     clipped to [-1, 1]. The critic sees Q(s, a) with the scaled action appended to
//     the (normalised) observation. Every probe below takes and returns scaled actions.
//   * Critic target: r + gamma * (1 - terminated) * Q'(s', mu'(s')). Truncation
//     (time limit) bootstraps; only `terminated` stops it.
//   * Determinism: for a given config, seed and environment, every result is
//     bit-identical from run to run (single-threaded Eigen, Pcg32 streams derived
//     from the seed, never a global RNG or the clock).
//   * No Eigen in this header: the math lives in src/ddpg/ (Mlp, Adam, ReplayBuffer,
//     DdpgCore<T>), which library code may include directly.
//
// Threading: a DdpgAgent is plain data used by one thread at a time. Const member
// functions do not modify observable state but use internal scratch buffers, so
// they must not run concurrently on the same agent either. Different agents may be
// used from different threads at the same time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/config.hpp"  // SettingInfo
#include "coagent/env.hpp"
#include "coagent/learner.hpp"

namespace coagent {

enum class DdpgNoise : std::uint8_t { none, gaussian, ou };
// The arithmetic of the networks: float32 (as PyTorch; ~2x faster) or float64
// (used by the finite-difference tests and wherever exact gradients matter).
enum class DdpgPrecision : std::uint8_t { float32, float64 };

std::string_view to_string(DdpgNoise n) noexcept;
std::string_view to_string(DdpgPrecision p) noexcept;
DdpgNoise parse_ddpg_noise(std::string_view s);
DdpgPrecision parse_ddpg_precision(std::string_view s);

// The settings; defaults are RL Zoo's DDPG for Pendulum-v1.
struct DdpgConfig {
  std::vector<int> actor_hidden = {400, 300};
  std::vector<int> critic_hidden = {400, 300};
  double gamma = 0.98;
  double actor_lr = 1e-3;
  double critic_lr = 1e-3;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_eps = 1e-8;
  std::int64_t buffer_size = 200000;
  std::int64_t learning_starts = 10000;  // uniform random actions (plus noise) before it
  std::int64_t batch_size = 256;
  double tau = 0.005;                    // target <- (1 - tau) * target + tau * online
  std::int64_t train_freq = 1;           // train every train_freq environment steps ...
  std::int64_t gradient_steps = 1;       // ... this many gradient steps
  DdpgNoise noise = DdpgNoise::gaussian;
  double noise_std = 0.1;  // Gaussian std, or the OU process's sigma (scaled space)
  double ou_theta = 0.15;  // OU: x += theta * (0 - x) * dt + sigma * sqrt(dt) * N(0, 1)
  double ou_dt = 1e-2;     //     (SB3's OrnsteinUhlenbeckActionNoise); reset per episode
  bool obs_norm = false;   // running mean/std (Welford), clipped to +-obs_clip
  double obs_clip = 10.0;
  DdpgPrecision precision = DdpgPrecision::float32;

  // Throws std::invalid_argument naming the field, the value and the allowed range.
  void validate() const;
};

// The settings as ordered (key, value) pairs in config-file syntax (`actor-hidden`,
// `gamma`, ...); set_ddpg_config_entry accepts every key it prints and throws
// std::invalid_argument naming the key and value otherwise.
std::vector<std::pair<std::string, std::string>> ddpg_config_entries(const DdpgConfig& c);
void set_ddpg_config_entry(DdpgConfig& c, std::string_view key, std::string_view value);
// The settings table behind them: every key once, with its help, default and range.
const std::vector<SettingInfo>& ddpg_config_settings();
// `key = value` lines (TOML, strings and lists quoted), each key prefixed with
// `key_prefix`: the `ddpg-*` entries of a config file; read_settings_text reads them.
std::string ddpg_config_to_text(const DdpgConfig& c, std::string_view key_prefix = "ddpg-");

// One actor layer seen from one state (Experiment 1's gradient-alignment probe).
struct DdpgActorLayerProbe {
  int fan_in = 0;
  int width = 0;
  std::vector<double> input;           // v: presynaptic activations (layer 0: normalised obs)
  std::vector<double> pre_activation;  // z = W v + b
  std::vector<double> activation;      // sigma(z): relu (hidden) or tanh (output)
  // d Q(s, mu(s)) / d W, row-major width x fan_in: row n is neuron n's incoming weights.
  std::vector<double> dq_dweight;
  std::vector<double> dq_dbias;  // width
};

struct DdpgActorProbe {
  std::vector<double> scaled_action;  // mu(s)
  double q = 0.0;                     // Q(s, mu(s))
  std::vector<double> dq_daction;     // dQ/da at a = mu(s)
  std::vector<DdpgActorLayerProbe> layers;
};

namespace detail {
struct DdpgAccess;
}

class DdpgAgent {
 public:
  // A fresh agent for an environment with `obs_size` observations and these action
  // bounds (every bound finite, low < high). Parameters are initialised like
  // PyTorch's nn.Linear (W, b ~ U(+-1/sqrt(fan_in))) from streams derived from
  // `seed`; targets start as copies. Throws std::invalid_argument on a bad config.
  DdpgAgent(const DdpgConfig& cfg, int obs_size, const Box& action_bounds, std::uint64_t seed);
  DdpgAgent(const DdpgAgent& other);
  DdpgAgent& operator=(const DdpgAgent& other);
  DdpgAgent(DdpgAgent&&) noexcept;
  DdpgAgent& operator=(DdpgAgent&&) noexcept;
  ~DdpgAgent();

  const DdpgConfig& config() const noexcept;
  int observation_size() const noexcept;
  int action_size() const noexcept;
  const Box& action_bounds() const noexcept;
  std::int64_t steps() const noexcept;     // transitions observed
  std::int64_t updates() const noexcept;   // gradient steps taken
  std::int64_t episodes() const noexcept;  // episodes ended (terminated or truncated)
  std::int64_t replay_size() const noexcept;

  // --- acting and learning ----------------------------------------------------
  // The training-time action for `obs` (environment units). Updates the observation
  // statistics when obs_norm is on; before learning_starts the scaled action is
  // uniform in [-1, 1], after it mu(s); then noise is added and the sum clipped.
  void explore(std::span<const double> obs, std::span<double> action);
  // The deterministic policy mu(s) in environment units; no state changes.
  void greedy_action(std::span<const double> obs, std::span<double> action) const;
  // Stores a transition (action in environment units) and, when due (steps >
  // learning_starts and steps % train_freq == 0), takes gradient_steps gradient
  // steps. An episode end (terminated or truncated) resets the OU noise.
  void observe(std::span<const double> obs, std::span<const double> action, double reward,
               std::span<const double> next_obs, bool terminated, bool truncated);
  // One gradient step (critic, actor, soft updates) now, whatever the schedule.
  // Throws std::logic_error when the replay buffer is empty.
  void train_step();

  // --- probes (Experiment 1); observations are raw, actions scaled --------------
  double critic_value(std::span<const double> obs, std::span<const double> scaled_action) const;
  std::vector<double> critic_action_gradient(std::span<const double> obs,
                                             std::span<const double> scaled_action) const;
  double policy_value(std::span<const double> obs) const;  // Q(s, mu(s))
  std::vector<double> policy_action(std::span<const double> obs) const;  // mu(s), scaled
  DdpgActorProbe actor_probe(std::span<const double> obs) const;
  std::vector<double> scale_action(std::span<const double> action) const;
  std::vector<double> unscale_action(std::span<const double> scaled_action) const;

  // Re-initialises the actor, its target and its Adam state from `seed` (Experiment
  // 1, phase 2: a fresh actor against a trained critic). Everything else is kept.
  void reset_actor(std::uint64_t seed);
  // Flat parameter copies, layer by layer [W_1 (column-major, out x in), b_1, ...].
  std::vector<int> actor_widths() const;   // input, hidden..., output
  std::vector<int> critic_widths() const;  // obs + action, hidden..., 1
  std::vector<double> actor_parameters() const;
  std::vector<double> critic_parameters() const;
  std::vector<double> target_actor_parameters() const;
  std::vector<double> target_critic_parameters() const;

  // --- serialisation --------------------------------------------------------------
  // Everything that determines future behaviour: settings, sizes and bounds, all
  // four networks, both Adam states, the observation statistics, the noise state,
  // the random streams and the counters, plus the replay buffer when
  // `include_replay` (without it a loaded agent continues with an empty buffer).
  // The bytes are a pure function of the state, so sha256_hex(save(false)) (see
  // checkpoint.hpp) is a digest of what the agent has learned. Layout, little-endian:
  // magic "CGDDPG\0\0" | version u32 | fields | FNV-1a-64 of all preceding bytes.
  std::vector<char> save(bool include_replay = true) const;
  // Throws std::runtime_error naming the problem (truncated, corrupt, wrong version,
  // inconsistent sizes) on bad bytes; never crashes, and checks that every stored
  // array is present before allocating it.
  static DdpgAgent load(std::span<const char> bytes);

  struct Impl;  // src/ddpg/agent_core.hpp

 private:
  friend struct detail::DdpgAccess;  // the library's view of Impl (agent_core.hpp)
  explicit DdpgAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

namespace detail {
struct DdpgRun;
}

// DDPG as a Learner: one environment (SB3's order: act, step, store, train), the
// agent with its replay buffer, and the episode bookkeeping. `cfg` holds the shared
// settings (algo ddpg, env, steps, seed, eval-episodes), `ddpg` the algorithm's.
// The digest covers the agent (networks, Adam, replay buffer, noise, streams,
// counters) and the run (environment state and stream, observation, episode
// counters): a resumed run has the digest of one never interrupted.
class DdpgLearner final : public Learner {
 public:
  // A fresh run; with no factory, cfg.env names a built-in environment. The agent's
  // streams derive from cfg.seed, the environment's first reset is reset(cfg.seed).
  DdpgLearner(TrainConfig cfg, const DdpgConfig& ddpg, EnvFactory factory = {});
  // The run stored in a checkpoint (load_learner() reads it).
  DdpgLearner(TrainConfig cfg, EnvFactory factory, std::unique_ptr<detail::DdpgRun> run);
  ~DdpgLearner() override;
  DdpgLearner(const DdpgLearner&) = delete;
  DdpgLearner& operator=(const DdpgLearner&) = delete;

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
  std::string digest() const override;
  void save(const std::string& path) const override;

  const DdpgAgent& agent() const noexcept;

 private:
  TrainConfig cfg_;
  EnvFactory factory_;
  std::unique_ptr<detail::DdpgRun> run_;
  std::atomic<bool> stop_{false};
};

struct DdpgRunResult {
  DdpgAgent agent;
  std::int64_t steps = 0;
  std::int64_t episodes = 0;
  std::vector<double> episode_returns;  // every finished training episode, in order
  double wall_seconds = 0.0;
};

// Trains a fresh DdpgLearner for `steps` environment steps (a convenience for tests
// and experiments). Calls `progress` every `progress_every` steps and at the end.
DdpgRunResult train_ddpg(const DdpgConfig& cfg, const EnvFactory& make_environment,
                         std::int64_t steps, std::uint64_t seed, const ProgressFn& progress = {},
                         std::int64_t progress_every = 1000);

// Greedy evaluation on a fresh environment: reset(seed) for the first episode,
// reset(nullopt) after (as Trainer::evaluate). Use Trainer::default_eval_seed(run seed).
EvalResult evaluate_ddpg(const DdpgAgent& agent, const EnvFactory& make_environment,
                         int episodes, std::uint64_t seed);

}  // namespace coagent
