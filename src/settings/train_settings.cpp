// src/settings/train_settings.cpp — TrainConfig's settings table: every key once,
// with its member, range and help. validate(), config_entries(), set_config_entry(),
// the config text, the CLI's flags and help all derive from it.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "settings/rule_list.hpp"
#include "settings/table.hpp"

namespace coagent {
namespace {

using settings::per_layer;
using Table = settings::Table<TrainConfig>;

constexpr int layers_of(const TrainConfig& c) { return static_cast<int>(c.hidden.size()) + 1; }

constexpr const char* kPerLayerRule =
    " (per layer: 1 value = every layer, 2 = hidden,output, or one per layer)";

// A per-layer list of numbers, each in [lo, hi]; printed resolved (one per layer).
Table& per_layer_real(Table& t, std::string key, std::vector<double> TrainConfig::*m, double lo,
                      double hi, double hidden_default, double output_default, std::string help) {
  settings::Setting<TrainConfig> s;
  s.key = std::move(key);
  s.help = std::move(help) + kPerLayerRule;
  s.range = fmt::format("each in [{}, {}]", lo, hi);
  s.textual = true;
  s.get = [=, key = s.key](const TrainConfig& c) {
    return fmt::format("{}", fmt::join(per_layer(c.*m, layers_of(c), hidden_default,
                                                 output_default, key), ","));
  };
  s.set = [m](TrainConfig& c, std::string_view v, const std::string& what) {
    c.*m = parse_double_list(v, what);
  };
  s.check = [=, st = t.style](const TrainConfig& c, const std::string& what) {
    for (double v : per_layer(c.*m, layers_of(c), hidden_default, output_default, what))
      Table::check_range(st, what, v, lo, hi, false);
  };
  return t.add(std::move(s));
}

// The per-layer noise kinds.
Table& per_layer_noise(Table& t, std::string key, std::string help) {
  settings::Setting<TrainConfig> s;
  s.key = std::move(key);
  s.help = std::move(help) + kPerLayerRule;
  s.range = "each gaussian or ou";
  s.textual = true;
  auto resolved = [](const TrainConfig& c, std::string_view what) {
    return per_layer(c.noise, layers_of(c), NoiseKind::gaussian, NoiseKind::gaussian, what);
  };
  s.get = [resolved, key = s.key](const TrainConfig& c) {
    std::string out;
    for (NoiseKind k : resolved(c, key)) out += (out.empty() ? "" : ",") + std::string(to_string(k));
    return out;
  };
  s.set = [](TrainConfig& c, std::string_view v, const std::string& what) {
    c.noise.clear();
    for (auto part : settings::split(v, ','))
      c.noise.push_back(settings::parse_choice(part, what, {NoiseKind::gaussian, NoiseKind::ou}));
  };
  s.check = [resolved](const TrainConfig& c, const std::string& what) { resolved(c, what); };
  return t.add(std::move(s));
}

// obs-norm: a choice that also reads the flag it once was (true = bounds, false = off),
// so older configs and checkpoints still load.
Table& obs_norm_choice(Table& t) {
  t.choice("obs-norm", &TrainConfig::obs_norm, {ObsNorm::bounds, ObsNorm::running, ObsNorm::off},
           "observation encoding: bounds (to [-1, 1] by the nominal bounds), running (by the "
           "running mean/std of visited states, ARS's V2; for unbounded observations such as "
           "MuJoCo's) or off (true = bounds, false = off)");
  auto& s = t.rows.back();
  s.set = [choose = s.set](TrainConfig& c, std::string_view v, const std::string& what) {
    if (v == "true" || v == "false") c.obs_norm = v == "true" ? ObsNorm::bounds : ObsNorm::off;
    else choose(c, v, what);
  };
  return t;
}

std::string env_names() {
  std::string s;
  const auto names = builtin_env_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

// "linear (the paper's), compatible (...) or dfa (...)": every row of the rule list.
std::string rules_help() {
  std::string out;
  for (int i = 0; i < rules::kRuleCount; ++i)
    out += fmt::format("{}{} ({})", i == 0 ? "" : i + 1 == rules::kRuleCount ? " or " : ", ",
                       rules::kRuleList[i].name, rules::kRuleList[i].help);
  return out;
}

Table make_table() {
  Table t;
  t.style = {"", false, true};
  using C = TrainConfig;
  t.choice("algo", &C::algo, {Algo::local, Algo::ddpg, Algo::ars},
           "local (a local rule per neuron), ddpg (backprop baseline; see --ddpg-*) or ars "
           "(Augmented Random Search, backprop-free; see --ars-*)").shared();
  t.text("env", &C::env, env_names(), "environment").shared();
  t.choice("rule", &C::rule, rules::all_rules(), "local rule: " + rules_help());
  t.choice("actor-step", &C::actor_step, {ActorStep::natural, ActorStep::plain},
           "compatible rule's actor step: natural (+= w) or plain (phi (phi.w))");
  t.widths("hidden", &C::hidden, "hidden layer widths, comma separated (\"\" for none)");
  t.integer("steps", &C::steps, 1, 1e12, "environment steps to train (all environments together)")
      .shared()
      .resumable();
  t.integer("seed", &C::seed, 0, 9.2e18, "run seed: network streams, env i is seeded with seed + i",
            false).shared();
  t.real("gamma", &C::gamma, 0.0, 1.0, "discount factor");
  t.real("alpha-actor", &C::alpha_actor, 0.0, 10.0, "actor step size");
  t.real("alpha-critic", &C::alpha_critic, 0.0, 10.0, "critic step size (linear: all weights; compatible: w)");
  t.real("alpha-value", &C::alpha_value, 0.0, 10.0, "compatible rule's value step size (u)");
  t.real("reward-scale", &C::reward_scale, 1e-9, 1e6, "multiply rewards by this before learning");
  t.real("alpha-hidden", &C::alpha_hidden, 0.0, 10.0,
         "hidden layers' actor step size (negative: alpha-actor)", true);
  t.real("max-weight-norm", &C::max_weight_norm, 0.0, 1e6,
         "bound on each neuron's |[K; b]| after every step (0: none)");
  t.real("trace-lambda", &C::trace_lambda, 0.0, 1.0,
         "perturb: eligibility trace decay lambda (e = gamma lambda e + score)");
  t.integer("critic-features", &C::critic_features, 1, 16384,
            "perturb, dfa: random Fourier features of the environment critic");
  t.real("critic-bandwidth", &C::critic_bandwidth, 1e-6, 1e6,
         "perturb, dfa: length scale of those features (encoded observation units)");
  t.real("alpha-env-critic", &C::alpha_env_critic, 0.0, 10.0,
         "perturb, dfa: the environment critic's TD(lambda) step size");
  t.real("critic-lambda", &C::critic_lambda, 0.0, 1.0, "perturb, dfa: the environment critic's trace decay");
  t.real("alpha-action-critic", &C::alpha_action_critic, 0.0, 10.0,
         "dfa: step size of the critic's action-gradient head dQ/da(s)");
  t.real("feedback-scale", &C::feedback_scale, 0.0, 1e3,
         "dfa: std of the hidden neurons' fixed random feedback weights");
  per_layer_noise(t, "noise", "exploration noise: gaussian or ou");
  per_layer_real(t, "noise-scale", &C::noise_scale, 0.0, 100.0, kHiddenNoiseDefault,
                 kOutputNoiseDefault, "noise std / OU sigma");
  per_layer_real(t, "explore-fraction", &C::explore_fraction, 0.0, 1.0, 1.0, 1.0,
                 "probability that a neuron explores at a step");
  per_layer_real(t, "init-scale", &C::init_scale, 0.0, 100.0, 1.0, 1.0,
                 "initial weights ~ N(0, (g/sqrt(fan_in))^2), g");
  t.real("ou-theta", &C::ou_theta, 0.0, 1.0, "Ornstein-Uhlenbeck mean reversion rate");
  t.real("ou-dt", &C::ou_dt, 1e-6, 1.0,
         "Ornstein-Uhlenbeck time step (SB3 uses 0.01: slower, longer pushes)");
  t.choice("explore-schedule", &C::explore_schedule, {ExploreSchedule::all, ExploreSchedule::episode},
           "all: every layer explores at every step; episode: per episode either the output "
           "layer explores (probability output-episodes) or the hidden layers do");
  t.real("output-episodes", &C::output_episodes, 0.0, 1.0,
         "episode schedule: probability that the output layer explores in an episode");
  t.flag("freeze-hidden", &C::freeze_hidden, "hidden layers do not learn (the frozen-features control)");
  obs_norm_choice(t);
  t.real("obs-clip", &C::obs_clip, 1e-3, 1e6,
         "obs-norm running: encoded observations are clipped to +-obs-clip");
  t.integer("envs", &C::envs, 1, 4096, "environments in flight");
  t.integer("eval-episodes", &C::eval_episodes, 1, 1e6, "greedy evaluation episodes after training")
      .shared()
      .resumable();
  t.choice("mode", &C::mode, {Mode::automatic, Mode::lockstep, Mode::async, Mode::mpi},
           "runtime: async (neurons as tasks), lockstep (the reference), auto (lockstep for one "
           "environment and layers under 64k weights, else async; the same result either way) or "
           "mpi (async on every rank of an MPI job, under mpirun)")
      .resumable();
  t.integer("threads", &C::threads, 0, 4096, "async worker threads (0: all cores; ars: rollout threads)")
      .also({Algo::ars})
      .resumable();
  t.integer("shard-size", &C::shard_size, 0, 1 << 20,
            "neurons per task (1 = literally one task per neuron; 0 = auto: ~64k weights per "
            "task, >= 2 tasks per thread per layer)")
      .resumable();
  for (auto& row : t.rows) row.algos |= 1u << static_cast<unsigned>(Algo::local);  // every key
  return t;
}

const Table& table() { return settings::built_once<Table, make_table>(); }

}  // namespace

const std::vector<SettingInfo>& config_settings() {
  static const std::vector<SettingInfo> infos = table().infos();
  return infos;
}

bool setting_applies(std::string_view key, Algo algo) {
  const auto* s = table().find(key);
  return s && (s->algos & (1u << static_cast<unsigned>(algo))) != 0;
}

bool resumable_setting(std::string_view key) {
  const auto* s = table().find(key);
  return s && s->resumable;
}

std::string not_resumable_message(std::string_view key) {
  std::vector<std::string> keys;
  for (const auto& s : table().rows)
    if (s.resumable) keys.push_back("--" + s.key);
  std::string list;
  for (std::size_t i = 0; i < keys.size(); ++i)
    list += (i == 0 ? "" : i + 1 == keys.size() ? " and " : ", ") + keys[i];
  return fmt::format("--{} cannot be changed when resuming (only {} can)", key, list);
}

void TrainConfig::validate() const {
  table().validate(*this);
  if (mode == Mode::mpi && algo != Algo::local)
    throw std::invalid_argument(fmt::format("mode: 'mpi' runs the local rules, not algo '{}'",
                                            to_string(algo)));
  if (mode == Mode::mpi && obs_norm == ObsNorm::running)
    throw std::invalid_argument(
        "obs-norm: 'running' is not supported with mode 'mpi' yet (every rank would keep "
        "its own statistics); use mode async or lockstep");
}

std::vector<std::pair<std::string, std::string>> config_entries(const TrainConfig& c) {
  return table().entries(c, true);
}

void set_config_entry(TrainConfig& c, std::string_view key, std::string_view value) {
  if (!table().set(c, key, value))
    throw std::invalid_argument(fmt::format("unknown setting '{}'", key));
}

std::string config_to_text(const TrainConfig& c) { return table().text(c, ""); }

TrainConfig parse_config_text(std::string_view text) {
  TrainConfig c;
  read_settings_text(text, [&](std::string_view k, std::string_view v) { set_config_entry(c, k, v); });
  c.validate();
  return c;
}

}  // namespace coagent
