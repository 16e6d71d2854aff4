// coagent/exp2.hpp — Experiment 2 (docs/design.md §5): learning without backprop, against
// its controls, on a preset's settings (coagent/presets.hpp).
//
// One grid cell is (preset, seed, column) with four columns:
//   local   the preset's local rule, every layer learning;
//   frozen  the same run with the hidden layers frozen at their random
//           initialisation and not exploring (noise 0, and the output layer
//           explores in every episode: explore-schedule all): only the output layer
//           learns, on fixed random features — the control for "the hidden layers
//           learn something useful";
//   ars     ARS (Augmented Random Search, V2-t; coagent/ars.hpp) with the preset's ARS
//           settings (RL Zoo's), its own policy network, the same step budget;
//   ddpg    DDPG (backprop) on the same actor network and the same step budget.
// Every run is one thread (lockstep for the local rules); cells run in parallel. Each
// run is evaluated greedily before training and every `eval_every` steps on
// `curve_episodes` fresh episodes (its learning curve); "steps to solve" is the first
// such point that meets the environment's criterion (0: the untrained network does). The final evaluation uses `eval_episodes` episodes from
// Trainer::default_eval_seed(seed), exactly as `coagent train` does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/presets.hpp"
#include "coagent/trainer.hpp"

namespace coagent {

enum class Exp2Column : std::uint8_t { local, frozen, ddpg, ars };
std::string_view to_string(Exp2Column c) noexcept;
Exp2Column parse_exp2_column(std::string_view s);
// The frozen control of a local-rule configuration.
TrainConfig frozen_control(TrainConfig cfg);

struct Exp2Options {
  TrainConfig local;   // the local-rule settings (column local)
  DdpgConfig ddpg;     // column ddpg
  ArsConfig ars;       // column ars
  std::vector<Exp2Column> columns = {Exp2Column::local, Exp2Column::frozen, Exp2Column::ddpg};
  int seeds = 10;
  std::uint64_t first_seed = 1;
  std::int64_t eval_every = 10000;
  int curve_episodes = 10;
  int eval_episodes = 100;
  int jobs = 1;
};

struct Exp2Run {
  Exp2Column column = Exp2Column::local;
  std::uint64_t seed = 0;
  EvalResult final;
  std::int64_t solve_step = -1;                          // -1: never met the criterion
  std::vector<std::pair<std::int64_t, double>> curve;    // (step, greedy mean return)
  double wall_seconds = 0.0;
};

struct Exp2Summary {
  Exp2Column column = Exp2Column::local;
  int runs = 0;
  int solved = 0;                 // final evaluation solved
  double mean_return = 0.0;       // of the final evaluations
  double min_return = 0.0, max_return = 0.0;
  std::int64_t median_solve = -1; // over all runs, unsolved counting as never; -1: none
  int reached = 0;                // runs whose curve met the criterion at some point
  int solved_at_start = 0;        // runs whose untrained network already met it (step 0)
  double mean_wall_seconds = 0.0;
};

// One cell. Throws what the trainer throws (DivergenceError counts as a failed run:
// it is caught and reported with final.mean_return = -inf, not solved).
Exp2Run run_exp2_cell(const Exp2Options& o, Exp2Column column, std::uint64_t seed);
// Every (column, seed) cell, `jobs` at a time; `on_done` is called (serialised) as
// cells finish. Results are ordered by column, then seed.
std::vector<Exp2Run> run_exp2(const Exp2Options& o,
                              const std::function<void(const Exp2Run&)>& on_done = {});
std::vector<Exp2Summary> summarise_exp2(const std::vector<Exp2Run>& runs);

// Local against frozen on the same seeds: in how many seeds the local run met the
// criterion earlier, later or at the same curve point (never counts as last).
// `pairs` is 0 when the runs lack one of the two columns.
struct Exp2Paired {
  int pairs = 0, earlier = 0, later = 0, same = 0;
};
Exp2Paired compare_local_frozen(const std::vector<Exp2Run>& runs);

}  // namespace coagent
