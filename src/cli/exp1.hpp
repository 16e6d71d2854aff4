// src/cli/exp1.hpp — `coagent exp1`: the paper's Experiment 1 (do local critics track
// the global critic?) and, with --probe, the gradient-alignment probe of Theorem 2.2.4.
// Seeds run in parallel (one thread each, at most --jobs); every number is a pure
// function of the settings and the seed, so the output does not depend on --jobs.
// Prints a table, writes CSV files and PNG plots (gnuplot) under --out.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "coagent/experiments.hpp"

namespace CLI {
class App;
}

namespace coagent::cli {

struct Exp1Options {
  std::string env = "mountaincar";
  int seeds = 3;                // seeds first_seed .. first_seed + seeds - 1
  std::uint64_t first_seed = 1;
  std::string out = "exp1-out"; // created if missing
  bool probe = false;           // run the gradient-alignment probe instead
  int jobs = 0;                 // seeds in parallel; 0: min(seeds, cores)
  bool no_plot = false;         // skip the PNG plots (gnuplot; its failure is a warning)
  Exp1Config exp1;              // budgets; its ddpg and env are set from the fields here
  ProbeConfig probe_cfg;
  // --ddpg-KEY values given on the command line (ddpg_config_entries keys), applied
  // over exp1_default_ddpg() by cmd_exp1.
  std::map<std::string, std::string> ddpg_settings;
};

// Registers the `exp1` subcommand and its flags on `app`, writing into `o`.
CLI::App* add_exp1_command(CLI::App& app, Exp1Options& o);

// Runs the experiment. Throws std::invalid_argument on bad settings (the CLI turns it
// into one line on stderr and exit code 2); returns 0.
int cmd_exp1(const Exp1Options& o);

}  // namespace coagent::cli
