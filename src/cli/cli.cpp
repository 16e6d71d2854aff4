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
#include "cli/commands.hpp"
#include "coagent/run.hpp"
#include "cli/exp1.hpp"
#include "cli/exp2.hpp"
#include "coagent/exp2.hpp"
#include "cli/metrics.hpp"
#include "cli/visuals.hpp"
#include "cli/progress.hpp"
#include "coagent/ars.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/trainer.hpp"
#include "mpi/job.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;


}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"coagent: deep RL policies trained without backpropagation, one agent per neuron"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("coagent ") + COAGENT_VERSION);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  TrainArgs train_args;
  auto* train = app.add_subcommand("train", "train an actor with a local rule, then evaluate it");
  std::map<std::string, std::string> given;
  auto described = [](const SettingInfo& s) {  // help, default and range: the settings table
    return fmt::format("{} (default: {}; range: {})", s.help,
                       s.default_text.empty() ? "\"\"" : s.default_text, s.range_text);
  };
  for (const SettingInfo& s : config_settings()) train->add_option("--" + s.key, given[s.key], described(s));
  std::map<std::string, std::string> ddpg_given;
  for (const SettingInfo& s : ddpg_config_settings())
    train->add_option("--ddpg-" + s.key, ddpg_given[s.key], "DDPG: " + described(s));
  std::map<std::string, std::string> ars_given;
  for (const SettingInfo& s : ars_config_settings())
    train->add_option("--ars-" + s.key, ars_given[s.key], "ARS: " + described(s));
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
                     "theta,thetadot; chain: p; MuJoCo's tasks: qpos then qvel, as "
                     "Gymnasium's set_state)");

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
  std::string bench_mode;
  bench->add_option("--mode", bench_mode,
                    "mpi: measure mode mpi over 1 .. R ranks of this MPI job (run under mpirun)");
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
  } catch (const CLI::CallForVersion& e) {
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
      for (const auto& [key, value] : ars_given)
        if (train->count("--ars-" + key) > 0) train_args.ars_settings[key] = value;
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
      if (!bench_mode.empty() && bench_mode != "mpi")
        throw std::invalid_argument(fmt::format("--mode: '{}' is not mpi (the other modes are --modes)", bench_mode));
      bench_opts.mpi = bench_mode == "mpi";
      return run_bench(bench_opts);
    }
  } catch (const DivergenceError& e) {
    std::fflush(stdout);
    if (mpi::launcher_rank() == 0) fmt::print(stderr, "coagent: error: {} (the last checkpoint written, if any, is kept)\n",
               e.what());
    return kExitDiverged;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    std::fflush(stdout);
    if (mpi::launcher_rank() == 0) fmt::print(stderr, "coagent: error: {}\n", msg);  // mpirun: rank 0
    return kExitBadInput;
  }
  return 0;
}

}  // namespace coagent::cli
