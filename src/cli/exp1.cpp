// src/cli/exp1.cpp — `coagent exp1` (see exp1.hpp): its flags, and a thin layer over
// the library (coagent/experiments.hpp): runs Experiment 1 or the gradient-alignment
// probe for several seeds in the experiments' seed pool, prints the table (the
// library's summaries: mean and 95% Student-t interval over seeds), and writes the
// CSV files and PNG plots (exp1_files.cpp).
#include "cli/exp1.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exp1_report.hpp"
#include "cli/progress.hpp"
#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "experiments/parallel.hpp"

namespace coagent::cli {
namespace {

int effective_jobs(const Exp1Options& o) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return o.jobs > 0 ? std::min(o.jobs, o.seeds) : std::min(cores, o.seeds);
}

// run(seed) for every seed, effective_jobs(o) at a time, with a line per finished
// seed; returns the results in seed order and the wall time.
template <class Result, class Run>
std::vector<Result> run_seeds(const Exp1Options& o, const Run& run, double& wall) {
  std::vector<Result> runs(static_cast<std::size_t>(o.seeds));
  ProgressPrinter report(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  experiments::run_indexed_parallel(effective_jobs(o), o.seeds, [&](int i) {
    runs[i] = run(o.first_seed + static_cast<std::uint64_t>(i));
    report.line(fmt::format("  seed {} done in {:.1f} s", runs[i].seed, runs[i].wall_seconds));
  });
  wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return runs;
}

// --- Experiment 1 ------------------------------------------------------------------------

void print_exp1_table(const Exp1Options& o, const std::vector<Exp1SeedResult>& runs,
                      const std::vector<Exp1SummaryRow>& rows, double wall) {
  const auto& widths = runs.front().actor_widths;
  const Exp1Config& c = o.exp1;
  fmt::print("\nExperiment 1 (paper §4.1/§5.1): {}, DDPG actor {}, critic {}, sub-critics {} per layer\n",
             o.env, shape(widths), join(c.ddpg.critic_hidden, "-"),
             join(c.sub_critic_hidden, "-"));
  fmt::print("{}, phase 1: {} steps (mu, Q^mu, Q^l), phase 2: {} steps (fresh mu', trained Q^mu, "
             "fresh Q^l), checkpoints every {} steps on {} probe states\n",
             seed_range(o), c.phase1_steps, c.phase2_steps, c.checkpoint_every, c.probe_states);
  fmt::print("Pearson r between dQ_global/dt and dQ_local/dt per actor layer; mean over seeds and "
             "95% CI ({})\n",
             runs.size() < 2 ? std::string("needs 2 or more seeds")
                             : fmt::format("Student t, {} dof", runs.size() - 1));
  fmt::print("  trajectory: step-to-step changes along {} greedy episode(s) at the end of the phase\n"
             "  training:   changes of the probe-set mean Q between consecutive checkpoints\n"
             "  same sign:  fraction of those changes where global and local move the same way "
             "(mean over seeds)\n\n",
             c.eval_episodes);
  fmt::print("{:<11} {:>5}  {:<13} {:>7}  {:<18}  {:<22} {:>9}  {:>7}\n", "measure", "phase",
             "layer", "mean r", "95% CI", "r per seed", "same sign", "paper r");
  for (const auto& row : rows) {
    std::string seeds;
    for (double v : row.per_seed) seeds += fmt::format("{}{}", seeds.empty() ? "" : " ", fixed(v, 2));
    fmt::print("{:<11} {:>5}  {:<13} {:>7}  {:<18}  {:<22} {:>9}  {:>7.3f}\n", row.measure,
               row.phase, layer_name(widths, row.layer), fixed(row.m.mean), interval(row.m), seeds,
               fixed(row.same_sign.mean, 2), kPaperExp1R);
  }
  fmt::print("\nper seed: greedy return after phase 1 / after phase 2, differences pooled "
             "(trajectory), wall time\n");
  for (const auto& r : runs)
    fmt::print("  seed {:<4} {:>9.2f} / {:>9.2f}   {:>6} / {:<6}  {:>7.1f} s\n", r.seed,
               r.eval_return[0], r.eval_return[1], r.trajectory_points[0], r.trajectory_points[1],
               r.wall_seconds);
  fmt::print("wall time {:.1f} s ({} seed(s) on {} thread(s))\n", wall, runs.size(),
             effective_jobs(o));
}

int run_exp1_command(const Exp1Options& o) {
  fmt::print("exp1: DDPG + sub-critics on {}, {} on {} thread(s), phase 1 {} + phase 2 {} steps "
             "per seed\n",
             o.env, seed_range(o), effective_jobs(o), o.exp1.phase1_steps, o.exp1.phase2_steps);
  std::fflush(stdout);
  double wall = 0.0;
  const auto runs = run_seeds<Exp1SeedResult>(
      o, [&](std::uint64_t seed) { return run_exp1_seed(o.exp1, seed); }, wall);
  const auto rows = summarise_exp1(runs);
  print_exp1_table(o, runs, rows, wall);
  std::vector<std::string> written;
  write_exp1_files(o, runs, rows, written);
  fmt::print("wrote {}\n", join(written, ", "));
  return 0;
}

// --- the gradient-alignment probe ---------------------------------------------------------

void print_probe_table(const Exp1Options& o, const std::vector<ProbeSeedResult>& runs,
                       const std::vector<ProbeSummaryRow>& rows, double wall) {
  const auto& widths = runs.front().actor_widths;
  const ProbeConfig& c = o.probe_cfg;
  fmt::print("\nGradient-alignment probe (Theorem 2.2.4): {}, DDPG actor {}, critic {}, {}\n", o.env,
             shape(widths), join(c.ddpg.critic_hidden, "-"), seed_range(o));
  fmt::print("{} steps, comparisons every {} steps on {} probe states; local critics: alpha_critic "
             "{}, alpha_value {}, hidden exploration {}\n",
             c.steps, c.every, c.probe_states, c.alpha_critic, c.alpha_value,
             c.hidden_noise > 0 ? fmt::format("N(0, {}^2) on hidden activations", c.hidden_noise)
                                : std::string("none (hidden xi = 0)"));
  fmt::print("  cos:    mean over neurons of cos(mean_s grad_[K;b] Q^mu, mean_s local step direction)"
             " (no signal counts 0)\n"
             "  sign:   fraction of (neuron, state) pairs where local direction . true gradient > 0"
             " (both non-zero; chance 0.5)\n"
             "  signal: fraction of neurons whose local direction is non-zero\n"
             "  final = last comparison; mean = over comparisons after the {}-step warm-up; mean "
             "and 95% CI over seeds\n\n",
             c.ddpg.learning_starts);
  fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>7} {:>7} {:>7}\n", "rule", "layer",
             "cos fin", "95% CI", "cos avg", "95% CI", "sign fin", "sign avg", "signal");
  for (const auto& row : rows) {
    if (row.signal_final.mean == 0.0 && row.cos_mean.mean == 0.0) {
      // Not a measured zero: the local critic never learned (xi = 0 for these neurons).
      fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>8} {:>8} {:>7}\n",
                 rule_name(row.rule), layer_name(widths, row.layer), "-", "no signal (xi = 0)",
                 "-", "", "-", "-", fixed(row.signal_final.mean, 2));
      continue;
    }
    fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>8} {:>8} {:>7}\n", rule_name(row.rule),
               layer_name(widths, row.layer), fixed(row.cos_final.mean), interval(row.cos_final),
               fixed(row.cos_mean.mean), interval(row.cos_mean), fixed(row.sign_final.mean),
               fixed(row.sign_mean.mean), fixed(row.signal_final.mean, 2));
  }
  fmt::print("\nper seed: greedy return at the end, wall time\n");
  for (const auto& r : runs)
    fmt::print("  seed {:<4} {:>9.2f}  {:>7.1f} s\n", r.seed, r.eval_return, r.wall_seconds);
  fmt::print("wall time {:.1f} s ({} seed(s) on {} thread(s))\n", wall, runs.size(),
             effective_jobs(o));
}

int run_probe_command(const Exp1Options& o) {
  fmt::print("exp1 --probe: DDPG on {}, {} on {} thread(s), {} steps per seed\n", o.env,
             seed_range(o), effective_jobs(o), o.probe_cfg.steps);
  std::fflush(stdout);
  double wall = 0.0;
  const auto runs = run_seeds<ProbeSeedResult>(
      o, [&](std::uint64_t seed) { return run_gradient_probe(o.probe_cfg, seed); }, wall);
  const auto rows = summarise_probe(runs, o.probe_cfg.ddpg.learning_starts);
  print_probe_table(o, runs, rows, wall);
  std::vector<std::string> written;
  write_probe_files(o, runs, rows, written);
  fmt::print("wrote {}\n", join(written, ", "));
  return 0;
}

// A flag whose default, shown in --help, is `fallback` (the value it starts with).
template <class T, class U>
void add_with_default(CLI::App& sub, const std::string& name, T& value, const std::string& help,
                      U fallback) {
  sub.add_option(name, value, help)->default_str(std::to_string(fallback));
}

// Experiment 1's budgets and sub-critics.
void add_exp1_flags(CLI::App& sub, Exp1Config& c) {
  const Exp1Config e;
  add_with_default(sub, "--phase1-steps", c.phase1_steps, "phase 1: DDPG + sub-critics", e.phase1_steps);
  add_with_default(sub, "--phase2-steps", c.phase2_steps, "phase 2: fresh actor, trained critic, fresh sub-critics", e.phase2_steps);
  add_with_default(sub, "--checkpoint-every", c.checkpoint_every, "steps between probe-set checkpoints (training r)", e.checkpoint_every);
  add_with_default(sub, "--probe-states", c.probe_states, "states from random-policy rollouts where Q is measured", e.probe_states);
  add_with_default(sub, "--eval-episodes", c.eval_episodes, "greedy episodes per phase end (trajectory r; probe: final return)", e.eval_episodes);
  sub.add_option("--sub-critic-hidden", c.sub_critic_hidden,
                 "sub-critic hidden widths, comma separated")
      ->delimiter(',')
      ->default_str(fmt::format("{}", fmt::join(e.sub_critic_hidden, ",")));
  sub.add_option("--sub-critic-lr", c.sub_critic_lr, "sub-critic Adam step size")
      ->default_str(fmt::format("{}", e.sub_critic_lr));
}

// The gradient-alignment probe's (--probe) budget and step sizes.
void add_probe_flags(CLI::App& sub, ProbeConfig& c) {
  const ProbeConfig p;
  add_with_default(sub, "--probe-steps", c.steps, "--probe: DDPG training steps", p.steps);
  add_with_default(sub, "--probe-every", c.every, "--probe: steps between comparisons", p.every);
  sub.add_option("--probe-alpha-critic", c.alpha_critic,
                 "--probe: local critics' step size (linear: all; compatible: w)")
      ->default_str(fmt::format("{}", p.alpha_critic));
  sub.add_option("--probe-alpha-value", c.alpha_value,
                 "--probe: compatible rule's value step size (u)")
      ->default_str(fmt::format("{}", p.alpha_value));
  sub.add_option("--probe-hidden-noise", c.hidden_noise,
                 "--probe: std of a perturbation of hidden activations when acting (0: none; "
                 "it also changes the actions taken)")
      ->default_str(fmt::format("{}", p.hidden_noise));
}

int cmd_exp1(const Exp1Options& given) {
  Exp1Options o = given;
  if (o.seeds < 1 || o.seeds > 1000)
    throw std::invalid_argument(fmt::format("--seeds: {} is out of range [1, 1000]", o.seeds));
  if (o.jobs < 0 || o.jobs > 1024)
    throw std::invalid_argument(fmt::format("--jobs: {} is out of range [0, 1024]", o.jobs));
  make_env(o.env);  // throws naming the known environments
  DdpgConfig ddpg = exp1_default_ddpg();
  for (const auto& [key, value] : o.ddpg_settings) set_ddpg_config_entry(ddpg, key, value);
  o.exp1.env = o.probe_cfg.env = o.env;
  o.exp1.ddpg = o.probe_cfg.ddpg = ddpg;
  o.probe_cfg.probe_states = o.exp1.probe_states;
  o.probe_cfg.eval_episodes = o.exp1.eval_episodes;
  if (o.probe)
    o.probe_cfg.validate();
  else
    o.exp1.validate();
  if (o.out.empty()) throw std::invalid_argument("--out: empty directory name");
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (!fs::is_directory(o.out))
    throw std::invalid_argument(fmt::format("--out: cannot create directory '{}'{}", o.out,
                                            ec ? ": " + ec.message() : ""));
  if (::access(o.out.c_str(), W_OK) != 0)
    throw std::invalid_argument(fmt::format("--out: directory '{}' is not writable", o.out));
  return o.probe ? run_probe_command(o) : run_exp1_command(o);
}

}  // namespace

void add_exp1(CLI::App& app, Command& chosen) {
  auto* sub = app.add_subcommand(
      "exp1", "Experiment 1: do per-layer sub-critics track DDPG's critic? (--probe: gradient "
              "alignment of the local rules, Theorem 2.2.4)");
  auto options = std::make_shared<Exp1Options>();
  Exp1Options& o = *options;
  sub->add_option("--env", o.env, "environment")->default_str(Exp1Config().env);
  sub->add_option("--seeds", o.seeds, "number of seeds")->capture_default_str();
  // CLI11 would read "-1" into the unsigned seed as 2^64 - 1.
  sub->add_option("--seed", o.first_seed, "first seed")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& s) {
            try {
              const std::int64_t v = parse_int(s, "--seed");
              return v >= 0 ? std::string() : fmt::format("{} is negative", v);
            } catch (const std::invalid_argument& err) {
              return std::string(err.what());
            }
          },
          "SEED"));
  sub->add_option("--out", o.out, "output directory for CSV files and plots (created)")
      ->capture_default_str();
  sub->add_flag("--probe", o.probe, "run the gradient-alignment probe instead of Experiment 1");
  sub->add_option("--jobs", o.jobs, "seeds run in parallel (0: min(seeds, cores))")->capture_default_str();
  sub->add_flag("--no-plot", o.no_plot, "skip the PNG plots");
  add_exp1_flags(*sub, o.exp1);
  add_probe_flags(*sub, o.probe_cfg);
  for (const auto& [key, value] : ddpg_config_entries(exp1_default_ddpg())) {
    const std::string k = key;
    sub->add_option_function<std::string>(
           "--ddpg-" + k, [&o, k](const std::string& v) { o.ddpg_settings[k] = v; }, "DDPG: " + k)
        ->default_str(value);
  }
  choose_when_parsed(*sub, chosen, [options] { return cmd_exp1(*options); });
}

}  // namespace coagent::cli
