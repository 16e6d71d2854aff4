// coagent/config.hpp — the settings of a training run.
//
// TrainConfig is plain data. It is validated at the boundary (validate() throws
// std::invalid_argument naming the field, the bad value and the allowed range), and
// round-trips through `key = value` entries: the same entries are the CLI's flags,
// the lines of a config file and the settings block of a checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coagent {

// linear, compatible: the neuron's own critic gives its TD error (docs/design.md §3).
// perturb: node perturbation with a broadcast TD error (docs/design.md §3.1): every neuron
//   correlates its own exploration noise with the TD error of one shared critic of
//   the environment state, through an eligibility trace.
// dfa: a broadcast action gradient (docs/design.md §3.3): the environment critic also
//   learns dQ/da(s) by regressing its TD error on the output layer's noise; the
//   output neurons step along it, hidden neurons along fixed random projections of it
//   (direct feedback alignment).
// A rule's value is its row in the rule list (src/settings/rule_list.hpp); the four
// built in are named here, a rule added to the list is chosen by its name.
enum class Rule : std::uint8_t { linear, compatible, perturb, dfa };
// What the code outside a rule's kernel needs to know of it: its row in the rule list.
struct RuleInfo {
  std::string_view name;
  std::string_view help;          // after the name in --rule's help
  bool compatible_features;       // rows wk: the compatible features of its critic
  bool env_critic;                // learns from the environment critic's broadcast TD error
  bool action_gradient;           // ... and its dQ/da, through fixed feedback weights fb
  bool eligibility;               // per-environment eligibility traces of [K; b]
  int row_arrays;                 // rows of width x fan-in a step streams (roofline bytes)
};
// The rule's row; every rule, in id order.
const RuleInfo& rule_info(Rule r) noexcept;
std::span<const RuleInfo> rule_list() noexcept;
// Rules whose TD error comes from the broadcast environment critic.
inline bool uses_env_critic(Rule r) noexcept { return rule_info(r).env_critic; }
// The most action dimensions rule dfa supports: the output frame carries the noise
// next to the voltages in its padding (padded(A) >= 2A).
inline constexpr int kMaxGradActions = 8;  // padded(8) = 16: Ant-v5 fits
enum class ActorStep : std::uint8_t { natural, plain };
enum class NoiseKind : std::uint8_t { gaussian, ou };
// automatic ("auto", the default): lockstep for a network whose every layer has fewer
// than kAutoShardWeights weights (nothing for a second thread to do but pass frames),
// async otherwise, for any number of environments. The two are bit-identical, so the
// choice never changes a result (resolved_mode, coagent/placement.hpp).
// mpi: the async runtime on every rank of an MPI job, each holding a block of every
// layer (docs/design.md §6.4); bit-identical to lockstep.
enum class Mode : std::uint8_t { lockstep, async, automatic, mpi };
enum class Algo : std::uint8_t { local, ddpg, ars };
// all:     every layer explores at every step (as its noise settings say).
// episode: the paper's "fix some neurons while others explore" (paper §6.1), per episode:
//          each episode either the output layer explores (probability
//          output_episodes) or the hidden layers do; the others emit y exactly.
enum class ExploreSchedule : std::uint8_t { all, episode };
// How observations enter the first layer (Network::encode):
// off:     as they are;
// bounds:  mapped to [-1, 1] by the environment's nominal bounds (finite bounds only);
// running: (obs - mean) / std by the running statistics of every observation the run
//          has seen (ARS's V2), clipped to +-obs_clip; one set of statistics, updated
//          from the observation stream in step order and broadcast with the frame, frozen
//          in evaluation and saved in checkpoints. `true` and `false` read as bounds, off.
enum class ObsNorm : std::uint8_t { off, bounds, running };

std::string_view to_string(Rule r) noexcept;
std::string_view to_string(ActorStep s) noexcept;
std::string_view to_string(NoiseKind k) noexcept;
std::string_view to_string(Mode m) noexcept;
std::string_view to_string(Algo a) noexcept;
std::string_view to_string(ExploreSchedule s) noexcept;
std::string_view to_string(ObsNorm n) noexcept;
Rule parse_rule(std::string_view s);
ActorStep parse_actor_step(std::string_view s);
NoiseKind parse_noise_kind(std::string_view s);
Mode parse_mode(std::string_view s);
Algo parse_algo(std::string_view s);
ExploreSchedule parse_explore_schedule(std::string_view s);

// One actor layer, resolved from the per-layer lists of a TrainConfig.
struct LayerSpec {
  int width = 0;
  NoiseKind noise = NoiseKind::gaussian;
  double noise_scale = 0.0;       // s_l: Gaussian std, or the OU process's sigma
  double explore_fraction = 1.0;  // probability that a neuron explores at a step
  double ou_theta = 0.15;         // OU mean reversion rate
  double ou_dt = 1.0;             // OU time step: x += theta (0 - x) dt + sigma sqrt(dt) N(0,1)
  double init_scale = 1.0;        // weights and biases ~ N(0, (g/sqrt(fan_in))^2)
  double alpha_actor = -1.0;      // this layer's actor step size; negative: the rule's
  bool learn = true;              // false: the layer is frozen (a control)
  bool output = false;            // the output layer
};

inline constexpr double kHiddenNoiseDefault = 0.0;
inline constexpr double kOutputNoiseDefault = 0.5;

struct TrainConfig {
  // local: the actor learns by a local rule (everything below); ddpg: the backprop
  // baseline (its settings are a DdpgConfig, see coagent/ddpg.hpp); ars: Augmented
  // Random Search (an ArsConfig, coagent/ars.hpp; it also uses threads). env, steps,
  // seed and eval-episodes apply to all three.
  Algo algo = Algo::local;
  std::string env = "chain";
  Rule rule = Rule::linear;
  ActorStep actor_step = ActorStep::natural;
  std::vector<int> hidden = {8};  // hidden widths; the output width is the action size
  std::int64_t steps = 20000;
  std::uint64_t seed = 1;

  double gamma = 0.99;
  double alpha_actor = 1e-3;   // actor step size
  double alpha_critic = 1e-2;  // linear: every critic weight; compatible: w
  double alpha_value = 1e-2;   // compatible: the value weights u (linear ignores it)
  double reward_scale = 1.0;   // rewards are multiplied by this before learning
  // Hidden layers' actor step size; negative: alpha_actor (one time scale for all).
  double alpha_hidden = -1.0;
  // Per-neuron norm bound on [K; b] after every actor step (saturation control);
  // 0: no bound.
  double max_weight_norm = 0.0;

  // Rule perturb: eligibility trace decay of each neuron's score (e = gamma*lambda*e
  // + score), and the broadcast critic V(s) = u . f(s) on random Fourier features of
  // the encoded observation, f_i = sqrt(2/M) cos(omega_i . s + phase_i),
  // omega ~ N(0, 1/bandwidth^2), trained by TD(lambda) with its own step size.
  double trace_lambda = 0.9;
  int critic_features = 1024;
  double critic_bandwidth = 0.3;
  double alpha_env_critic = 0.1;
  double critic_lambda = 0.9;
  // Rule dfa: the step size of the critic's action-gradient head and the std of the
  // hidden neurons' fixed random feedback weights.
  double alpha_action_critic = 0.01;
  double feedback_scale = 1.0;

  // Per-layer lists (hidden layers first, the output layer last): one value applies
  // to every layer; two values are `hidden,output` (every hidden layer gets the
  // first, the output layer the second); otherwise exactly one value per layer. An
  // empty list means the default: the `k...Default` values below, hidden and output.
  std::vector<NoiseKind> noise;
  std::vector<double> noise_scale;
  std::vector<double> explore_fraction;
  std::vector<double> init_scale;
  double ou_theta = 0.15;
  double ou_dt = 1.0;  // 1: one unit per step; SB3's OrnsteinUhlenbeckActionNoise uses 0.01
  ExploreSchedule explore_schedule = ExploreSchedule::all;
  double output_episodes = 0.7;  // episode schedule: P(the output layer explores)
  bool freeze_hidden = false;
  ObsNorm obs_norm = ObsNorm::bounds;  // how observations are encoded (see ObsNorm)
  double obs_clip = 5.0;               // running: encoded values are clipped to +-obs_clip

  int envs = 1;  // environments in flight, env i seeded with seed + i
  int eval_episodes = 100;

  // Runtime.
  Mode mode = Mode::automatic;
  int threads = 0;      // 0: every core the process may use
  // Neurons per scheduling unit; 0 = auto (coagent/placement.hpp): about
  // kAutoShardWeights weights per shard, and at least two shards per worker thread
  // in every layer wide enough. Results never depend on it.
  int shard_size = 0;

  // The default-constructed settings: every default is declared once, here (the
  // settings table prints it; the structs the rules and the critic read take theirs
  // from it).
  static const TrainConfig& defaults();
  // Throws std::invalid_argument naming the field, value and allowed range.
  void validate() const;
  // The actor layers (hidden layers, then an output layer of `action_size`).
  std::vector<LayerSpec> layer_specs(int action_size) const;
  // Which layers explore during episode `episode` (0, 1, ...) of environment `env`:
  // bit l set = layer l explores. Every layer under the `all` schedule; under
  // `episode`, a pure function of (seed, env, episode), so every neuron, every
  // runtime and a resumed run agree without communicating.
  std::uint32_t explore_mask(int env_index, std::int64_t episode) const noexcept;
};

// One key of a settings table (config_settings(), ddpg_config_settings()): every
// key is declared once, with its member, range and help; everything below walks it.
struct SettingInfo {
  std::string key;
  std::string help;
  std::string default_text;  // the default-constructed struct's value, unquoted
  std::string range_text;    // "[0, 1]", "linear, compatible or perturb", ...
  std::vector<std::string> algos;  // TrainConfig: the algorithms that read it ("local", ...)
  bool resumable = false;    // TrainConfig: a running or resumed run may change it
};
// TrainConfig's keys, in config-file order.
const std::vector<SettingInfo>& config_settings();
// Whether `algo` reads the TrainConfig key (local reads every key; DDPG the shared
// ones: algo, env, steps, seed, eval-episodes; ARS those and threads). False for an
// unknown key.
bool setting_applies(std::string_view key, Algo algo);
// The keys a running or resumed run may change: steps (the total), mode, threads,
// shard-size and eval-episodes; never what is learnt.
bool resumable_setting(std::string_view key);
// "--KEY cannot be changed when resuming (only --steps, ... can)", from the table.
std::string not_resumable_message(std::string_view key);

// The settings as ordered (key, value) pairs, in config-file syntax.
std::vector<std::pair<std::string, std::string>> config_entries(const TrainConfig& c);
// Sets one setting from its textual value; throws std::invalid_argument naming the
// key and the value on an unknown key or an unparsable value.
void set_config_entry(TrainConfig& c, std::string_view key, std::string_view value);
// `key = value` lines (TOML-compatible); parse_config_text accepts what it prints.
std::string config_to_text(const TrainConfig& c);
TrainConfig parse_config_text(std::string_view text);

// The one reader of settings text (config files, checkpoints' settings blocks): a
// TOML subset of `key = value` lines. Values are bare (numbers, booleans), "basic"
// or 'literal' strings, or one-line arrays (their items joined with ','); `#` starts
// a comment; blank lines are skipped; CR line ends are accepted. Sections, dotted
// keys and other syntax errors throw std::invalid_argument naming the line. Each
// entry is passed to `set` (key and value unquoted), in order.
void read_settings_text(std::string_view text,
                        const std::function<void(std::string_view key, std::string_view value)>& set);

// Parsing helpers shared by the CLI and the config reader; they throw
// std::invalid_argument naming `what` and the offending text.
double parse_double(std::string_view text, std::string_view what);
std::int64_t parse_int(std::string_view text, std::string_view what);
std::vector<int> parse_widths(std::string_view text, std::string_view what);
std::vector<double> parse_double_list(std::string_view text, std::string_view what);
std::vector<double> parse_state(std::string_view text, std::string_view what);
// One line of `coagent replay` input: `expected` numbers separated by spaces, tabs or
// commas. Returns an empty vector for a blank line.
std::vector<double> parse_action_line(std::string_view line, int expected, long line_no);

}  // namespace coagent
