// src/cli/cli.cpp — subcommands of the `coagent` binary. Every setting of a run is
// a `--key value` flag whose value goes through set_config_entry(), the same
// validation a config file or a checkpoint's settings get. Errors become one line
// on stderr and exit code 2.
#include "cli/cli.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "cli/bench.hpp"
#include "cli/config_file.hpp"
#include "cli/exp1.hpp"
#include "cli/exp2.hpp"
#include "coagent/exp2.hpp"
#include "cli/metrics.hpp"
#include "cli/visuals.hpp"
#include "cli/progress.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/trainer.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;

constexpr int kExitBadInput = 2;
constexpr int kExitDiverged = 3;

const std::map<std::string, std::string>& setting_help() {
  static const std::map<std::string, std::string> help = {
      {"algo", "local (a local rule per neuron) or ddpg (backprop baseline; see --ddpg-*)"},
      {"env", "environment: chain, mountaincar, pendulum or synthetic"},
      {"rule", "local rule: linear (the paper's), compatible (per-neuron COPDAC-Q) or perturb "
               "(node perturbation with a broadcast TD error and eligibility traces)"},
      {"alpha-hidden", "hidden layers' actor step size (negative: alpha-actor)"},
      {"max-weight-norm", "bound on each neuron's |[K; b]| after every step (0: none)"},
      {"trace-lambda", "perturb: eligibility trace decay lambda (e = gamma lambda e + score)"},
      {"critic-features", "perturb: random Fourier features of the environment critic"},
      {"critic-bandwidth", "perturb: length scale of those features (encoded observation units)"},
      {"alpha-env-critic", "perturb: the environment critic's TD(lambda) step size"},
      {"critic-lambda", "perturb: the environment critic's trace decay"},
      {"actor-step", "compatible rule's actor step: natural (+= w) or plain (phi (phi.w))"},
      {"hidden", "hidden layer widths, comma separated (\"\" for none)"},
      {"steps", "environment steps to train (all environments together)"},
      {"seed", "run seed: network streams, env i is seeded with seed + i"},
      {"gamma", "discount factor in [0, 1]"},
      {"alpha-actor", "actor step size"},
      {"alpha-critic", "critic step size (linear: all weights; compatible: w)"},
      {"alpha-value", "compatible rule's value step size (u)"},
      {"reward-scale", "multiply rewards by this before learning"},
      {"noise", "exploration noise per layer: gaussian or ou (one value or one per layer)"},
      {"noise-scale", "noise std / OU sigma per layer (one value or one per layer)"},
      {"explore-fraction", "probability that a neuron explores at a step, per layer"},
      {"init-scale", "initial weights ~ N(0, (g/sqrt(fan_in))^2), g per layer"},
      {"ou-theta", "Ornstein-Uhlenbeck mean reversion rate"},
      {"ou-dt", "Ornstein-Uhlenbeck time step (SB3 uses 0.01: slower, longer pushes)"},
      {"freeze-hidden", "hidden layers do not learn (the frozen-features control)"},
      {"obs-norm", "encode observations to [-1, 1] by their nominal bounds"},
      {"envs", "environments in flight"},
      {"eval-episodes", "greedy evaluation episodes after training"},
      {"mode", "runtime: async (neurons as tasks) or lockstep (the reference)"},
      {"threads", "async worker threads (0: all cores)"},
      {"shard-size", "neurons per task (1 = literally one task per neuron; 0 = auto: ~64k weights per task, >= 2 tasks per thread per layer)"},
  };
  return help;
}

// Fails early (before training) if `path` cannot be written.
void check_writable_target(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::error_code ec;
  if (path.empty()) throw std::invalid_argument("--save: empty path");
  if (fs::is_directory(p, ec))
    throw std::invalid_argument(fmt::format("--save: '{}' is a directory", path));
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument(
        fmt::format("--save: directory '{}' does not exist", dir.string()));
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::invalid_argument(
        fmt::format("--save: directory '{}' is not writable", dir.string()));
}


double l2(const std::vector<float>& v) {
  double s = 0.0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

json inspect_json(const Trainer& t, const std::string& path) {
  const Network& net = t.network();
  json layers = json::array();
  for (int l = 0; l < net.num_layers(); ++l) {
    const LayerState& L = net.layer(l);
    const LayerParams& p = L.params;
    double coef = 0.0;
    for (float x : p.wa) coef += x;
    layers.push_back({{"layer", l + 1},
                      {"fan_in", p.fan_in},
                      {"width", p.width},
                      {"learns", net.spec(l).learn},
                      {"weight_norm", l2(p.K)},
                      {"bias_norm", l2(p.b)},
                      {"critic_norm", l2(p.cv) + l2(p.cc) + l2(p.wk)},
                      {"mean_action_coefficient", coef / p.width}});
  }
  json settings = json::object();
  for (const auto& [k, v] : config_entries(t.config())) settings[k] = v;
  json critic = nullptr;
  if (const EnvCritic* c = t.env_critic())
    critic = {{"features", c->settings().features}, {"weight_norm", l2(c->weights())}};
  return json{{"path", path},
              {"env_critic", critic},
              {"env", t.config().env},
              {"shape", net.shape()},
              {"rule", to_string(t.config().rule)},
              {"steps", t.steps_done()},
              {"episodes", t.episodes_done()},
              {"layers", layers},
              {"digest", digest(t)},
              {"settings", settings}};
}

struct TrainArgs {
  std::string preset;
  std::map<std::string, std::string> settings;
  std::string save;
  std::string config;
  std::string resume;
  std::string checkpoint_every;
  std::string metrics;
  std::string metrics_every = "1000";
  std::map<std::string, std::string> ddpg_settings;  // keys without the ddpg- prefix
  bool json = false;
  bool print_config = false;
};

// The end of a training run: one JSON object (`fields` + digest, evaluation and
// checkpoint path) or the digest line and the evaluation table.
template <class Args>
int print_train_result(const Args& a, json fields, const std::string& dig, const EvalResult& r) {
  if (a.json) {
    fields["digest"] = dig;
    fields["eval"] = eval_to_json(r);
    if (!a.save.empty()) fields["save"] = a.save;
    fmt::print("{}\n", fields.dump());
  } else {
    fmt::print("digest {}\n", dig);
    if (!a.save.empty()) fmt::print("saved {}\n", a.save);
    print_eval_table(stdout, r);
  }
  return 0;
}

// SIGINT/SIGTERM ask the running trainer to stop; the CLI then saves and exits.
std::atomic<Trainer*> g_trainer{nullptr};
std::atomic<bool> g_stop{false};  // for train_ddpg
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  if (Trainer* t = g_trainer.load()) t->request_stop();
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Settings that apply to both algorithms.
bool shared_setting(const std::string& key) {
  return key == "algo" || key == "env" || key == "steps" || key == "seed" || key == "eval-episodes";
}

// `coagent train --algo ddpg`: the backprop baseline, with the same env, seed,
// checkpoint, evaluation and digest conventions as the local rules.
int cmd_train_ddpg(const TrainArgs& a, const TrainConfig& cfg) {
  for (const auto& [key, value] : a.settings)
    if (!shared_setting(key))
      throw std::invalid_argument(fmt::format(
          "--{} applies to the local rules, not to --algo ddpg (use the --ddpg-* flags)", key));
  if (!a.resume.empty()) throw std::invalid_argument("--resume supports local-rule checkpoints only");
  if (!a.metrics.empty()) throw std::invalid_argument("--metrics supports --algo local only");
  if (!a.checkpoint_every.empty())
    throw std::invalid_argument("--checkpoint-every supports --algo local only");
  DdpgConfig d;
  for (const auto& [key, value] : a.ddpg_settings) set_ddpg_config_entry(d, key, value);
  d.validate();
  const EnvFactory factory = [name = cfg.env] { return make_env(name); };
  auto probe = factory();
  std::unique_ptr<ProgressPrinter> printer;
  if (!a.json) {
    fmt::print("training {} with DDPG (backprop): actor {}, critic {}, {} steps, seed {}\n", cfg.env,
               fmt::join(d.actor_hidden, ","), fmt::join(d.critic_hidden, ","), cfg.steps, cfg.seed);
    printer = std::make_unique<ProgressPrinter>(stdout);
  }
  install_stop_handlers();
  DdpgRunResult run = train_ddpg(
      d, factory, cfg.steps, cfg.seed,
      [&](const TrainProgress& p) {
        if (printer) (*printer)(p);
      },
      std::max<std::int64_t>(1, cfg.steps / 200), &g_stop);
  if (printer) printer->finish();
  if (!a.save.empty()) save_ddpg_checkpoint(cfg, run.agent, run.steps, run.episodes, a.save);
  if (g_signal != 0) {
    fmt::print(stderr, "coagent: stopped by signal {} at step {}{}\n", static_cast<int>(g_signal),
               run.steps, a.save.empty() ? std::string() : fmt::format(", checkpoint saved to {}", a.save));
    return 128 + g_signal;
  }
  const EvalResult r =
      evaluate_ddpg(run.agent, factory, cfg.eval_episodes, Trainer::default_eval_seed(cfg.seed));
  const std::vector<char> state = run.agent.save(false);
  const std::string dig = sha256_hex(state.data(), state.size());
  return print_train_result(a, json{{"env", cfg.env}, {"algo", "ddpg"}, {"steps", run.steps},
                                    {"episodes", run.episodes}, {"seed", cfg.seed},
                                    {"wall_seconds", run.wall_seconds}},
                            dig, r);
}

// Settings a resumed run may change: the budget and the runtime, not what is learnt.
bool resumable_setting(const std::string& key) {
  return key == "steps" || key == "mode" || key == "threads" || key == "shard-size" ||
         key == "eval-episodes";
}

// Defaults, then the preset, then the config file, then the flags; validated.
TrainConfig settings_of(const TrainArgs& a) {
  TrainConfig cfg;
  if (!a.preset.empty()) apply_preset(cfg, a.preset);
  if (!a.config.empty()) read_config_file(a.config, cfg);
  for (const auto& [key, value] : a.settings) set_config_entry(cfg, key, value);
  cfg.validate();
  return cfg;
}

std::unique_ptr<Trainer> make_trainer(const TrainArgs& a) {
  if (a.resume.empty()) return std::make_unique<Trainer>(settings_of(a));
  if (!a.config.empty())
    throw std::invalid_argument("--config cannot be combined with --resume (the checkpoint's settings are used)");
  if (!a.preset.empty())
    throw std::invalid_argument("--preset cannot be combined with --resume (the checkpoint's settings are used)");
  for (const auto& [key, value] : a.settings)
    if (!resumable_setting(key))
      throw std::invalid_argument(fmt::format(
          "--{} cannot be changed when resuming (only --steps, --mode, --threads, "
          "--shard-size and --eval-episodes can)", key));
  auto trainer = load_checkpoint(a.resume);
  TrainConfig cfg = trainer->config();
  for (const auto& [key, value] : a.settings) set_config_entry(cfg, key, value);
  cfg.validate();
  if (cfg.steps < trainer->steps_done())
    throw std::invalid_argument(fmt::format("--steps {} is below the {} steps the checkpoint has trained",
                                            cfg.steps, trainer->steps_done()));
  trainer->mutable_config() = cfg;
  return trainer;
}

int cmd_train(const TrainArgs& a) {
  if (a.resume.empty() && !a.print_config) {
    const TrainConfig cfg = settings_of(a);
    if (cfg.algo == Algo::ddpg) {
      if (!a.save.empty()) check_writable_target(a.save);
      return cmd_train_ddpg(a, cfg);
    }
  }
  if (!a.ddpg_settings.empty())
    throw std::invalid_argument(fmt::format("--ddpg-{} needs --algo ddpg", a.ddpg_settings.begin()->first));
  std::int64_t every = 0;
  if (!a.checkpoint_every.empty()) {
    every = parse_int(a.checkpoint_every, "--checkpoint-every");
    if (every < 1)
      throw std::invalid_argument(fmt::format("--checkpoint-every: {} must be at least 1", every));
    if (a.save.empty()) throw std::invalid_argument("--checkpoint-every needs --save PATH");
  }
  std::int64_t metrics_every = parse_int(a.metrics_every, "--metrics-every");
  if (metrics_every < 1)
    throw std::invalid_argument(fmt::format("--metrics-every: {} must be at least 1", metrics_every));
  if (!a.save.empty()) check_writable_target(a.save);
  if (!a.resume.empty() && a.print_config)
    throw std::invalid_argument("--print-config cannot be combined with --resume");
  if (a.print_config) {
    fmt::print("{}", config_to_text(settings_of(a)));
    return 0;
  }
  // Only the CLI touches global_control: allow the arena's worker threads. It is
  // created before the trainer so that it outlives the trainer's task arenas.
  std::optional<tbb::global_control> workers;
  auto trainer = make_trainer(a);
  const TrainConfig cfg = trainer->config();
  const int threads = cfg.threads > 0 ? cfg.threads : static_cast<int>(std::thread::hardware_concurrency());
  workers.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(std::max(1, threads)) + 1);
  std::shared_ptr<MetricsWriter> metrics;
  if (!a.metrics.empty()) {
    metrics = std::make_shared<MetricsWriter>(a.metrics, cfg, trainer->network().shape());
    trainer->set_episode_callback([metrics](const EpisodeRecord& e) { metrics->episode(e); });
  } else {
    metrics_every = 0;
  }
  g_trainer.store(trainer.get());
  install_stop_handlers();

  const std::int64_t target = cfg.steps;
  auto save = [&] {
    trainer->mutable_config().steps = target;
    save_checkpoint(*trainer, a.save);
  };
  std::unique_ptr<ProgressPrinter> printer;
  if (!a.json) {
    fmt::print("training {}: network {}, rule {}, {} steps, seed {}, {} mode{}{}\n", cfg.env,
               fmt::join(trainer->network().shape(), "-"), to_string(cfg.rule), target,
               cfg.seed, to_string(cfg.mode),
               cfg.mode == Mode::async
                   ? fmt::format(" ({} threads, shard size {}, {} env{})", threads,
                                 cfg.shard_size > 0 ? std::to_string(cfg.shard_size) : "auto",
                                 cfg.envs, cfg.envs == 1 ? "" : "s")
                   : std::string(),
               a.resume.empty() ? std::string()
                                : fmt::format(", resumed at step {}", trainer->steps_done()));
    printer = std::make_unique<ProgressPrinter>(stdout);
  }
  const ProgressFn progress = [&](const TrainProgress& p) {
    if (!printer) return;
    TrainProgress shown = p;
    shown.total_steps = target;
    (*printer)(shown);
  };
  // Train in chunks that end at multiples of --checkpoint-every (save) and of
  // --metrics-every (layer statistics); lockstep runs are identical whether or not
  // they are chunked.
  auto next_multiple = [](std::int64_t at, std::int64_t n) { return n > 0 ? (at / n + 1) * n : INT64_MAX; };
  while (trainer->steps_done() < target && g_signal == 0) {
    const std::int64_t at = trainer->steps_done();
    trainer->mutable_config().steps =
        std::min({target, next_multiple(at, every), next_multiple(at, metrics_every)});
    trainer->train(progress, std::max<std::int64_t>(1, target / 200));
    if (metrics) metrics->layers(trainer->steps_done(), trainer->take_layer_stats());
    if (every > 0 && g_signal == 0 && trainer->steps_done() % every == 0) save();
  }
  trainer->mutable_config().steps = target;
  if (printer) printer->finish();
  g_trainer.store(nullptr);
  if (g_signal != 0) {
    if (!a.save.empty()) save();
    if (metrics) metrics->finish();
    fmt::print(stderr, "coagent: stopped by signal {} at step {}{}\n", static_cast<int>(g_signal),
               trainer->steps_done(),
               a.save.empty() ? std::string() : fmt::format(", checkpoint saved to {}", a.save));
    return 128 + g_signal;
  }
  if (!a.save.empty()) save();
  const EvalResult r =
      trainer->evaluate(cfg.eval_episodes, Trainer::default_eval_seed(cfg.seed));
  if (metrics) {
    metrics->evaluation(r);
    metrics->finish();
  }
  const std::string dig = digest(*trainer);
  return print_train_result(a, json{{"env", cfg.env},
                                    {"rule", to_string(cfg.rule)},
                                    {"shape", trainer->network().shape()},
                                    {"steps", trainer->steps_done()},
                                    {"episodes", trainer->episodes_done()},
                                    {"seed", cfg.seed},
                                    {"mode", to_string(cfg.mode)}},
                            dig, r);
}

int cmd_eval(const std::string& load, const std::string& episodes, const std::string& seed,
             bool as_json, const std::string& gif, bool ascii) {
  AnyCheckpoint ck = load_any_checkpoint(load);
  const TrainConfig& cfg = ck.local ? ck.local->config() : ck.ddpg->config;
  int n = cfg.eval_episodes;
  if (!episodes.empty()) {
    const auto v = parse_int(episodes, "--episodes");
    if (v < 1 || v > 1000000)
      throw std::invalid_argument(fmt::format("--episodes: {} is out of range, expected 1..1000000", v));
    n = static_cast<int>(v);
  }
  std::uint64_t s = Trainer::default_eval_seed(cfg.seed);
  if (!seed.empty()) {
    const auto v = parse_int(seed, "--seed");
    if (v < 0) throw std::invalid_argument(fmt::format("--seed: {} is negative", v));
    s = static_cast<std::uint64_t>(v);
  }
  if (!gif.empty() || ascii) {
    const AgentView view = agent_view(ck);
    if (!gif.empty()) write_episode_gif(view.policy, view.make_env, view.brief, gif, s);
    if (ascii) print_episode_ascii(view.policy, view.make_env, view.label, stdout, s);
  }
  const EvalResult r =
      ck.local ? ck.local->evaluate(n, s)
               : evaluate_ddpg(*ck.ddpg->agent, [name = cfg.env] { return make_env(name); }, n, s);
  if (as_json)
    fmt::print("{}\n", eval_to_json(r).dump());
  else
    print_eval_table(stdout, r);
  return 0;
}

int cmd_inspect_ddpg(const std::string& path, const DdpgCheckpoint& d, bool as_json) {
  const std::vector<char> state = d.agent->save(false);
  auto norm = [](const std::vector<double>& v) {
    double s2 = 0.0;
    for (double x : v) s2 += x * x;
    return std::sqrt(s2);
  };
  json settings = json::object();
  for (const auto& [k, v] : ddpg_config_entries(d.agent->config())) settings[k] = v;
  const json j{{"path", path},
               {"env", d.config.env},
               {"algo", "ddpg"},
               {"actor_shape", d.agent->actor_widths()},
               {"critic_shape", d.agent->critic_widths()},
               {"steps", d.steps},
               {"episodes", d.episodes},
               {"updates", d.agent->updates()},
               {"actor_norm", norm(d.agent->actor_parameters())},
               {"critic_norm", norm(d.agent->critic_parameters())},
               {"digest", sha256_hex(state.data(), state.size())},
               {"settings", settings}};
  if (as_json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("checkpoint  {}\nenv         {}\nalgo        ddpg (backprop)\n", path, d.config.env);
  fmt::print("actor       {}  |params| {:.5g}\n", fmt::join(d.agent->actor_widths(), "-"),
             j["actor_norm"].get<double>());
  fmt::print("critic      {}  |params| {:.5g}\n", fmt::join(d.agent->critic_widths(), "-"),
             j["critic_norm"].get<double>());
  fmt::print("trained     {} steps, {} episodes, {} updates\n", d.steps, d.episodes,
             d.agent->updates());
  fmt::print("digest      {}\n", j["digest"].get<std::string>());
  return 0;
}

int cmd_inspect(const std::string& path, bool as_json) {
  AnyCheckpoint ck = load_any_checkpoint(path);
  if (ck.ddpg) return cmd_inspect_ddpg(path, *ck.ddpg, as_json);
  auto trainer = std::move(ck.local);
  const json j = inspect_json(*trainer, path);
  if (as_json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("checkpoint  {}\n", path);
  fmt::print("env         {}\n", trainer->config().env);
  fmt::print("network     {} (rule {})\n", fmt::join(trainer->network().shape(), "-"),
             to_string(trainer->config().rule));
  fmt::print("trained     {} steps, {} episodes\n", trainer->steps_done(),
             trainer->episodes_done());
  fmt::print("{:>5} {:>7} {:>6} {:>12} {:>10} {:>12} {:>10}\n", "layer", "fan_in", "width",
             "|K|", "|b|", "|critic|", "mean coef");
  for (const auto& l : j["layers"])
    fmt::print("{:>5} {:>7} {:>6} {:>12.5g} {:>10.5g} {:>12.5g} {:>10.4g}\n",
               l["layer"].get<int>(), l["fan_in"].get<int>(), l["width"].get<int>(),
               l["weight_norm"].get<double>(), l["bias_norm"].get<double>(),
               l["critic_norm"].get<double>(), l["mean_action_coefficient"].get<double>());
  if (!j["env_critic"].is_null())
    fmt::print("env critic  {} random features, |u| {:.5g} (broadcasts the TD error)\n",
               j["env_critic"]["features"].get<int>(), j["env_critic"]["weight_norm"].get<double>());
  fmt::print("digest      {}\n", j["digest"].get<std::string>());
  return 0;
}

int cmd_replay(const std::string& env_name, const std::string& state_text) {
  auto env = make_env(env_name);
  std::vector<double> obs(env->observation_size());
  env->reset(0, obs);
  if (!state_text.empty()) env->set_state(parse_state(state_text, "--state"));
  std::vector<double> action(env->action_size());
  std::string line;
  long line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    const std::vector<double> values = parse_action_line(line, env->action_size(), line_no);
    if (values.empty()) continue;
    action = values;
    const StepResult r = env->step(action, obs);
    std::string out;
    for (double s : env->state()) out += fmt::format("{:.17g} ", s);
    out += fmt::format("{:.17g} {} {}\n", r.reward, r.terminated ? 1 : 0, r.truncated ? 1 : 0);
    std::fputs(out.c_str(), stdout);
    if (r.terminated || r.truncated) break;
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"coagent: deep RL policies trained without backpropagation, one agent per neuron"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  TrainArgs train_args;
  auto* train = app.add_subcommand("train", "train an actor with a local rule, then evaluate it");
  std::map<std::string, std::string> given;
  for (const auto& [key, value] : config_entries(TrainConfig{})) {
    auto it = setting_help().find(key);
    std::string text = it == setting_help().end() ? key : it->second;
    train->add_option("--" + key, given[key], text)->default_str(value);
  }
  std::map<std::string, std::string> ddpg_given;
  for (const auto& [key, value] : ddpg_config_entries(DdpgConfig{}))
    train->add_option("--ddpg-" + key, ddpg_given[key], "DDPG: " + key)->default_str(value);
  {
    std::string names;
    for (const Preset& p : presets()) names += (names.empty() ? "" : ", ") + p.name;
    train->add_option("--preset", train_args.preset,
                      "named settings (" + names + "); a config file and flags override them");
  }
  train->add_option("--save", train_args.save, "write the trained checkpoint here");
  train->add_flag("--json", train_args.json, "print one JSON object instead of tables");
  train->add_option("--config", train_args.config,
                    "TOML file of settings (keys as the flags, without --); flags override it");
  train->add_option("--resume", train_args.resume,
                    "continue the run in this checkpoint (--steps is the new total)");
  train->add_option("--checkpoint-every", train_args.checkpoint_every,
                    "save --save every N steps (atomically: a crash leaves the old or new file)");
  train->add_option("--metrics", train_args.metrics,
                    "write episodes, per-layer statistics and the evaluation as JSON lines");
  train->add_option("--metrics-every", train_args.metrics_every,
                    "steps between per-layer statistics lines")->default_str("1000");
  train->add_flag("--print-config", train_args.print_config,
                  "print the effective settings as a config file and exit");

  std::string load, episodes, eval_seed;
  bool eval_json_flag = false;
  auto* eval = app.add_subcommand("eval", "evaluate a checkpoint's greedy policy on fresh seeds");
  eval->add_option("--load", load, "checkpoint to evaluate")->required();
  eval->add_option("--episodes", episodes, "episodes (default: the run's eval-episodes)");
  eval->add_option("--seed", eval_seed, "first episode's seed (default: run seed + 1000000)");
  eval->add_flag("--json", eval_json_flag, "print one JSON object");
  std::string eval_gif;
  bool eval_ascii = false;
  eval->add_option("--gif", eval_gif, "draw the first greedy episode as an animated GIF");
  eval->add_flag("--ascii", eval_ascii, "draw the first greedy episode as text frames");

  std::vector<std::string> plot_files;
  std::string plot_out, plot_window = "20";
  bool plot_svg = false;
  auto* plot = app.add_subcommand("plot", "learning curves from --metrics files (several: mean and band)");
  plot->add_option("files", plot_files, "metrics JSONL files")->required();
  plot->add_option("-o,--output", plot_out, "output image (PNG, or SVG with --svg)")->required();
  plot->add_flag("--svg", plot_svg, "write SVG");
  plot->add_option("--window", plot_window, "moving-average window in episodes")->default_str("20");

  std::string policy_ckpt, policy_out;
  bool policy_svg = false;
  auto* plot_policy = app.add_subcommand("plot-policy", "the greedy action over the state space, with trajectories");
  plot_policy->add_option("checkpoint", policy_ckpt, "checkpoint")->required();
  plot_policy->add_option("-o,--output", policy_out, "output image")->required();
  plot_policy->add_flag("--svg", policy_svg, "write SVG");

  std::string inspect_path;
  bool inspect_json_flag = false;
  auto* inspect = app.add_subcommand("inspect", "show a checkpoint's network, norms and digest");
  inspect->add_option("path", inspect_path, "checkpoint")->required();
  inspect->add_flag("--json", inspect_json_flag, "print one JSON object");

  std::string replay_env, replay_state;
  auto* replay = app.add_subcommand(
      "replay", "step an environment from a given state with actions read from stdin");
  replay->add_option("--env", replay_env, "environment")->required();
  replay->add_option("--state", replay_state,
                     "internal state (mountaincar: position,velocity; pendulum: "
                     "theta,thetadot; chain: p)");

  Exp1Options exp1_opts;
  auto* exp1 = add_exp1_command(app, exp1_opts);
  Exp2Options exp2_opts;
  auto* exp2 = add_exp2_command(app, exp2_opts);

  BenchOptions bench_opts;
  std::string bench_threads, bench_shards = "1,8,64", bench_envs = "1", bench_modes = "fused,lockstep,async",
              bench_rule = "linear", bench_steps, bench_reps = "3";
  auto* bench = app.add_subcommand("bench", "measure training throughput and thread scaling");
  bench->add_option("--net", bench_opts.net, "small (2-64-64-1), medium (2-256-256-1), wide (64-1024x3-16 on synthetic) or hidden widths")
      ->default_str("small");
  bench->add_option("--env", bench_opts.env, "environment (default mountaincar; synthetic for wide)");
  bench->add_option("--threads", bench_threads, "thread counts, e.g. 1,2,4 (default 1..cores)");
  bench->add_option("--shard-sizes", bench_shards, "shard sizes")->default_str("1,8,64");
  bench->add_option("--envs", bench_envs, "environments in flight, e.g. 1,8")->default_str("1");
  bench->add_option("--modes", bench_modes, "modes to measure besides fused")->default_str("fused,lockstep,async");
  bench->add_option("--rule", bench_rule, "linear or compatible")->default_str("linear");
  bench->add_option("--steps", bench_steps, "steps per repetition (default: sized to the network)");
  bench->add_option("--reps", bench_reps, "repetitions (the median is reported)")->default_str("3");
  bench->add_flag("--json", bench_opts.json, "print one JSON object");
  bool bench_no_ddpg = false;
  bench->add_flag("--no-ddpg", bench_no_ddpg, "skip timing one DDPG update on the same widths");
  bench->add_option("--csv", bench_opts.csv, "also write the table as CSV");
  bench->add_option("--plot", bench_opts.plot, "also plot steps/s against threads (PNG, gnuplot)");

  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const auto* sub : app.get_subcommands({})) {
      found = found || sub->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      fmt::print(stderr, "coagent: error: unknown subcommand '{}' (expected one of: {})\n",
                 argv[1], known);
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    fmt::print(stderr, "coagent: error: {} (see coagent --help)\n", msg);
    return kExitBadInput;
  }

  try {
    if (*train) {
      for (const auto& [key, value] : given)
        if (train->count("--" + key) > 0) train_args.settings[key] = value;
      for (const auto& [key, value] : ddpg_given)
        if (train->count("--ddpg-" + key) > 0) train_args.ddpg_settings[key] = value;
      return cmd_train(train_args);
    }
    if (*eval) return cmd_eval(load, episodes, eval_seed, eval_json_flag, eval_gif, eval_ascii);
    if (*plot) {
      const auto window = parse_int(plot_window, "--window");
      if (window < 1 || window > 100000)
        throw std::invalid_argument(fmt::format("--window: {} is out of range [1, 100000]", window));
      return cmd_plot(plot_files, plot_out, plot_svg, static_cast<int>(window));
    }
    if (*plot_policy) return cmd_plot_policy(policy_ckpt, policy_out, policy_svg);
    if (*exp1) return cmd_exp1(exp1_opts);
    if (*exp2) return cmd_exp2(exp2_opts);
    if (*inspect) return cmd_inspect(inspect_path, inspect_json_flag);
    if (*replay) return cmd_replay(replay_env, replay_state);
    if (*bench) {
      auto ints = [](const std::string& text, const char* what) {
        std::vector<int> v;
        for (double x : parse_double_list(text, what)) {
          if (x != std::trunc(x))
            throw std::invalid_argument(fmt::format("{}: {} is not an integer", what, x));
          if (x < INT_MIN || x > INT_MAX)  // before the cast, which would be undefined
            throw std::invalid_argument(fmt::format("{}: {} is out of range", what, x));
          v.push_back(static_cast<int>(x));
        }
        return v;
      };
      if (!bench_threads.empty()) bench_opts.threads = ints(bench_threads, "--threads");
      bench_opts.shard_sizes = ints(bench_shards, "--shard-sizes");
      bench_opts.envs = ints(bench_envs, "--envs");
      bench_opts.modes.clear();
      for (std::size_t p = 0; p <= bench_modes.size();) {
        const std::size_t q = std::min(bench_modes.find(',', p), bench_modes.size());
        bench_opts.modes.push_back(bench_modes.substr(p, q - p));
        p = q + 1;
      }
      bench_opts.rule = parse_rule(bench_rule);
      if (!bench_steps.empty()) {
        bench_opts.steps = parse_int(bench_steps, "--steps");
        if (bench_opts.steps < 1) throw std::invalid_argument("--steps must be at least 1");
      }
      const std::int64_t reps = parse_int(bench_reps, "--reps");
      if (reps < 1 || reps > 100) throw std::invalid_argument("--reps must be in [1, 100]");
      bench_opts.reps = static_cast<int>(reps);
      bench_opts.ddpg = !bench_no_ddpg;
      return run_bench(bench_opts);
    }
  } catch (const DivergenceError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "coagent: error: {} (the last checkpoint written, if any, is kept)\n",
               e.what());
    return kExitDiverged;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    std::fflush(stdout);
    fmt::print(stderr, "coagent: error: {}\n", msg);
    return kExitBadInput;
  }
  return 0;
}

}  // namespace coagent::cli
