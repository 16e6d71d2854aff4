// src/cli/exp1.hpp — `coagent exp1`: the paper's Experiment 1 (do local critics track
// the global critic?) and, with --probe, the gradient-alignment probe of Theorem 2.2.4.
// Seeds run in parallel (one thread each, at most --jobs); every number is a pure
// function of the settings and the seed, so the output does not depend on --jobs.
// Prints a table, writes CSV files and PNG plots (gnuplot) under --out. The subcommand
// is add_exp1 (commands.hpp); its options, below, are what exp1.cpp reads the flags
// into and what the report and the files (exp1_report.hpp) are written from.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "coagent/experiments.hpp"

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

}  // namespace coagent::cli
