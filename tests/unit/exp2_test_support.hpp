// tests/unit/exp2_test_support.hpp — the learning tests' harness: a preset over seeds
// through Experiment 2's grid (test_exp2.cpp, test_mujoco_learning.cpp).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "coagent/exp2.hpp"

namespace coagent::testing {

// The learning tests of issues #6 and #14: a preset `name` (at `steps`, 0: its own
// budget) on seeds 1..`seeds`, each run one thread, two at a time, with the curve every
// 10k steps; `columns` local alone or with its frozen-hidden control.
struct LocalVsFrozen {
  Exp2Summary local, frozen;
  Exp2Paired pair;
};
inline LocalVsFrozen local_vs_frozen(const char* name, int seeds, std::int64_t steps,
                                     std::vector<Exp2Column> columns) {
  coagent::Exp2Options o;
  apply_preset(o.local, name);
  if (steps > 0) o.local.steps = steps;
  o.columns = std::move(columns);
  o.seeds = seeds;
  o.first_seed = 1;
  o.eval_every = 10000;
  o.curve_episodes = 10;
  o.eval_episodes = 100;
  o.jobs = 2;
  const auto runs = run_exp2(o);
  const auto sum = summarise_exp2(runs);
  EXPECT_EQ(sum.size(), o.columns.size());
  LocalVsFrozen r{sum.at(0), sum.size() > 1 ? sum.at(1) : Exp2Summary{}, compare_local_frozen(runs)};
  return r;
}

}  // namespace coagent::testing
