// src/cli/exp2.hpp — `coagent exp2`: Experiment 2's grid (coagent/exp2.hpp) for one
// preset over seeds: local rule with every layer learning, the frozen-hidden control,
// ARS and DDPG, as one table (plus a paired per-seed comparison), a CSV of every run and
// a PNG of the learning curves. The subcommand is add_exp2 (commands.hpp); below, the
// options exp2.cpp reads its flags into.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace coagent::cli {

struct Exp2Options {
  std::string env;               // default: the preset's (mountaincar without a preset)
  std::string preset;            // default: the preset named like the environment
  int seeds = 10;
  std::uint64_t first_seed = 1;
  std::string steps;             // default: the preset's
  std::string eval_every;        // default: steps / 20
  int curve_episodes = 10;
  int eval_episodes = 100;
  int jobs = 0;                  // 0: cores
  std::string columns = "local,frozen,ddpg";
  std::vector<std::string> set;       // KEY=VALUE local-rule settings over the preset
  std::vector<std::string> ddpg_set;  // KEY=VALUE DDPG settings over the preset's
  std::vector<std::string> ars_set;   // KEY=VALUE ARS settings over the preset's
  std::string csv, plot;
  bool json = false;
};

}  // namespace coagent::cli
