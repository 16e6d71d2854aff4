// src/cli/train.cpp — `coagent train`: its flags (the settings tables' keys, and the
// table of the flags that are not settings), then settings from defaults, a preset, a
// config file and flags (or a checkpoint to resume), any algorithm, run by the library's
// session loop; SIGINT/SIGTERM stop it at a step boundary with the checkpoint saved.
#include <fmt/format.h>
#include <signal.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cli/commands.hpp"
#include "coagent/run.hpp"
#include "cli/metrics.hpp"
#include "cli/progress.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/placement.hpp"
#include "coagent/presets.hpp"
#include "coagent/session.hpp"
#include "mpi/job.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;

// What cmd_train reads: the flags given, parsed.
struct TrainArgs {
  std::string preset;
  std::map<std::string, std::string> settings;       // --key value, as given
  std::map<std::string, std::string> ddpg_settings;  // --ddpg-key value, without the prefix
  std::map<std::string, std::string> ars_settings;   // --ars-key value, without the prefix
  std::string save;
  std::string config;
  std::string resume;
  std::string checkpoint_every;
  std::string metrics;
  std::string metrics_every;  // its default: train_flags()
  bool json = false;
  bool print_config = false;
};

// --- the flags ---------------------------------------------------------------------------

// A train flag that is not a key of a settings table: its member of TrainArgs (text, or
// a switch), its default ("": none) and its help. train_flags() lists them all.
struct TrainFlag {
  std::string name;
  std::variant<std::string TrainArgs::*, bool TrainArgs::*> member;
  std::string default_text;
  std::string help;
};

// Every train flag that is not a settings key, in --help's order.
std::vector<TrainFlag> train_flags() {
  std::string names;
  for (const Preset& p : presets()) names += (names.empty() ? "" : ", ") + p.name;
  return {
      {"--preset", &TrainArgs::preset, "",
       "named settings (" + names + "); a config file and flags override them"},
      {"--save", &TrainArgs::save, "", "write the trained checkpoint here"},
      {"--json", &TrainArgs::json, "", "print one JSON object instead of tables"},
      {"--config", &TrainArgs::config, "",
       "TOML file of settings (keys as the flags, without --); flags override it"},
      {"--resume", &TrainArgs::resume, "",
       "continue the run in this checkpoint (--steps is the new total)"},
      {"--checkpoint-every", &TrainArgs::checkpoint_every, "",
       "save --save every N steps (atomically: a crash leaves the old or new file)"},
      {"--metrics", &TrainArgs::metrics, "",
       "write episodes, per-layer statistics and the evaluation as JSON lines"},
      {"--metrics-every", &TrainArgs::metrics_every, "1000",
       "steps between per-layer statistics lines"},
      {"--print-config", &TrainArgs::print_config, "",
       "print the effective settings as a config file and exit"},
  };
}

// What the command line gave: the settings keys' values (each map holds every key; the
// ones given are those CLI11 counted) and the other flags.
struct TrainFlagValues {
  TrainArgs args;
  std::map<std::string, std::string> given, ddpg_given, ars_given;
};

// A settings key's help: its help, default and range, from the settings table.
std::string described(const SettingInfo& s) {
  return fmt::format("{} (default: {}; range: {})", s.help,
                     s.default_text.empty() ? "\"\"" : s.default_text, s.range_text);
}

// Adds `--PREFIXkey` for every key of `table`, read into `values[key]`.
void add_settings(CLI::App& sub, const std::vector<SettingInfo>& table, const std::string& prefix,
                  const std::string& help_prefix, std::map<std::string, std::string>& values) {
  for (const SettingInfo& s : table)
    sub.add_option("--" + prefix + s.key, values[s.key], help_prefix + described(s));
}

// The values of the keys given on the command line, without the prefix.
std::map<std::string, std::string> given_settings(const CLI::App& sub, const std::string& prefix,
                                                  const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> given;
  for (const auto& [key, value] : values)
    if (sub.count("--" + prefix + key) > 0) given[key] = value;
  return given;
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

// SIGINT/SIGTERM ask the running learner to stop; the session then saves.
std::atomic<Learner*> g_learner{nullptr};
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  if (Learner* l = g_learner.load()) l->request_stop();
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Defaults, then the preset, then the config file, then the flags; validated.
RunSettings settings_of(const TrainArgs& a) {
  return resolve_settings(a.preset, a.config, a.settings, a.ddpg_settings, a.ars_settings);
}

std::unique_ptr<Learner> resume_learner(const TrainArgs& a) {
  if (!a.config.empty())
    throw std::invalid_argument("--config cannot be combined with --resume (the checkpoint's settings are used)");
  if (!a.preset.empty())
    throw std::invalid_argument("--preset cannot be combined with --resume (the checkpoint's settings are used)");
  for (const auto& [prefix, given] : {std::pair{"ddpg", &a.ddpg_settings}, std::pair{"ars", &a.ars_settings}})
    if (!given->empty())
      throw std::invalid_argument(
          not_resumable_message(fmt::format("{}-{}", prefix, given->begin()->first)));
  for (const auto& [key, value] : a.settings)
    if (!resumable_setting(key)) throw std::invalid_argument(not_resumable_message(key));
  auto learner = load_learner(a.resume);
  TrainConfig cfg = learner->config();
  for (const auto& [key, value] : a.settings) set_config_entry(cfg, key, value);
  cfg.validate();
  if (cfg.steps < learner->steps_done())
    throw std::invalid_argument(fmt::format("--steps {} is below the {} steps the checkpoint has trained",
                                            cfg.steps, learner->steps_done()));
  learner->update_settings(cfg);
  return learner;
}

std::string header_line(const Learner& l, const TrainArgs& a) {
  const std::string resumed =
      a.resume.empty() ? std::string() : fmt::format(", resumed at step {}", l.steps_done());
  return "training " + l.describe() + resumed;
}

json result_fields(const Learner& l, double wall_seconds) {
  const TrainConfig& cfg = l.config();
  if (cfg.algo != Algo::local)
    return json{{"env", cfg.env}, {"algo", to_string(cfg.algo)}, {"steps", l.steps_done()},
                {"episodes", l.episodes_done()}, {"seed", cfg.seed},
                {"wall_seconds", wall_seconds}};
  return json{{"env", cfg.env},         {"rule", to_string(cfg.rule)},
              {"shape", l.shape()},     {"steps", l.steps_done()},
              {"episodes", l.episodes_done()}, {"seed", cfg.seed},
              {"mode", to_string(resolved_mode(cfg, l.shape()))}};
}

std::int64_t positive_flag(const std::string& text, const char* what) {
  const std::int64_t v = parse_int(text, what);
  if (v < 1) throw std::invalid_argument(fmt::format("{}: {} must be at least 1", what, v));
  return v;
}

// --- the run -----------------------------------------------------------------------------

int cmd_train(const TrainArgs& a) {
  std::int64_t every = 0;
  if (!a.checkpoint_every.empty()) {
    every = positive_flag(a.checkpoint_every, "--checkpoint-every");
    if (a.save.empty()) throw std::invalid_argument("--checkpoint-every needs --save PATH");
  }
  std::int64_t metrics_every = positive_flag(a.metrics_every, "--metrics-every");
  if (!a.save.empty()) check_writable_target(a.save);
  if (!a.resume.empty() && a.print_config)
    throw std::invalid_argument("--print-config cannot be combined with --resume");
  if (a.print_config) {
    fmt::print("{}", settings_text(settings_of(a)));
    return 0;
  }
  // Only the CLI touches global_control: allow the arena's worker threads. It is
  // created before the learner so that it outlives the learner's task arenas.
  std::optional<tbb::global_control> workers;
  std::unique_ptr<Learner> learner =
      a.resume.empty() ? make_learner(settings_of(a)) : resume_learner(a);
  const TrainConfig cfg = learner->config();
  const int threads =
      cfg.threads > 0 ? cfg.threads : static_cast<int>(std::thread::hardware_concurrency());
  workers.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(std::max(1, threads)) + 1);

  // Mode mpi: every rank builds the same learner, then MPI starts (bad input has
  // already been refused, the same way on every rank) and only rank 0 writes anything.
  std::unique_ptr<mpi::Job> job;
  bool root = true;
  if (cfg.mode == Mode::mpi) {
    job = mpi::start_job();
    learner->use_wire(job->wire());
    root = job->rank() == 0;
  }

  SessionOptions session;
  session.save_path = a.save;
  session.checkpoint_every = every;
  session.stop = job ? nullptr : &g_stop;  // mpi: the learner's stop reaches every rank
  session.hooks.progress_every = std::max<std::int64_t>(1, cfg.steps / 200);
  std::unique_ptr<MetricsWriter> metrics;
  if (!a.metrics.empty() && root) {
    metrics = std::make_unique<MetricsWriter>(a.metrics, *learner);
    session.hooks.episode = [m = metrics.get()](const EpisodeRecord& e) { m->episode(e); };
    session.stats_every = metrics_every;
    session.on_layer_stats = [m = metrics.get()](std::int64_t step,
                                                 const std::vector<LayerStats>& s) {
      if (!s.empty()) m->layers(step, s);
    };
  }
  std::unique_ptr<ProgressPrinter> printer;
  if (!a.json && root) {
    fmt::print("{}\n", header_line(*learner, a));
    printer = std::make_unique<ProgressPrinter>(stdout);
    session.hooks.progress = [p = printer.get()](const TrainProgress& tp) { (*p)(tp); };
  }
  g_learner.store(learner.get());
  install_stop_handlers();
  const auto t0 = std::chrono::steady_clock::now();
  run_session(*learner, session);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  g_learner.store(nullptr);
  if (printer) printer->finish();
  if (g_signal != 0) {
    if (metrics) metrics->finish();
    if (root) fmt::print(stderr, "coagent: stopped by signal {} at step {}{}\n", static_cast<int>(g_signal),
               learner->steps_done(),
               a.save.empty() ? std::string() : fmt::format(", checkpoint saved to {}", a.save));
    return 128 + g_signal;
  }
  const EvalResult r = learner->evaluate(cfg.eval_episodes, default_eval_seed(cfg.seed));
  if (metrics) {
    metrics->evaluation(r);
    metrics->finish();
  }
  const std::string dig = learner->digest();
  if (!root) return 0;
  if (a.json) {
    json fields = result_fields(*learner, wall);
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

}  // namespace

void add_train(CLI::App& app, Command& chosen) {
  auto* sub = app.add_subcommand("train", "train an actor with a local rule, then evaluate it");
  auto f = std::make_shared<TrainFlagValues>();
  add_settings(*sub, config_settings(), "", "", f->given);
  add_settings(*sub, ddpg_config_settings(), "ddpg-", "DDPG: ", f->ddpg_given);
  add_settings(*sub, ars_config_settings(), "ars-", "ARS: ", f->ars_given);
  for (const TrainFlag& flag : train_flags()) {
    if (const auto* text = std::get_if<std::string TrainArgs::*>(&flag.member)) {
      f->args.*(*text) = flag.default_text;
      CLI::Option* option = sub->add_option(flag.name, f->args.*(*text), flag.help);
      if (!flag.default_text.empty()) option->default_str(flag.default_text);
    } else {
      sub->add_flag(flag.name, f->args.*std::get<bool TrainArgs::*>(flag.member), flag.help);
    }
  }
  choose_when_parsed(*sub, chosen, [f, sub] {
    TrainArgs a = f->args;
    a.settings = given_settings(*sub, "", f->given);
    a.ddpg_settings = given_settings(*sub, "ddpg-", f->ddpg_given);
    a.ars_settings = given_settings(*sub, "ars-", f->ars_given);
    return cmd_train(a);
  });
}

}  // namespace coagent::cli
