// Learning on Gymnasium's MuJoCo tasks, every neuron on its own (issue #31): the
// presets at small budgets against their controls, fixed seeds. Built only with MuJoCo
// (tools/test installs it), so in the suite it runs, never skips.
#include <gtest/gtest.h>

#include "coagent/exp2.hpp"
#include "exp2_test_support.hpp"

namespace coagent {
namespace {
using testing::local_vs_frozen;
using testing::LocalVsFrozen;

// InvertedPendulum-v5 (rule perturb, obs-64-64-1, running observation statistics) at
// the preset's 100k steps: the untrained network balances no seed (returns under 100),
// and at least 9 of 10 seeds reach Gymnasium's threshold 950 on 100 fresh greedy
// episodes (measured 10/10, each 1000.0; ~35 s on 2 cores).
TEST(MujocoLearning, InvertedPendulumIsSolvedAgainstTheUntrainedNetwork) {
  const LocalVsFrozen r = local_vs_frozen("invertedpendulum", 10, 0, {Exp2Column::local});
  EXPECT_EQ(r.local.solved_at_start, 0) << "the untrained network should not balance";
  EXPECT_GE(r.local.solved, 9) << "the preset should solve at least 9 of 10 seeds in 100k steps";
  EXPECT_GE(r.local.mean_return, 950.0);
}

// Hopper-v5 (preset hopper) at 100k steps, seeds 1-4: every neuron learning on its own
// hops, and every local run ends above every run of its frozen-hidden control (measured
// with 20 evaluation episodes: local 588.8 mean, 268.7..1013.8; frozen 38.2..38.6, it
// falls at once; ~45 s on 2 cores).
TEST(MujocoLearning, HopperHiddenLayersBeatTheFrozenControlAtASmallBudget) {
  const LocalVsFrozen r =
      local_vs_frozen("hopper", 4, 100000, {Exp2Column::local, Exp2Column::frozen});
  EXPECT_EQ(r.pair.pairs, 4);
  EXPECT_GE(r.local.mean_return, 400.0) << "the local rule should hop at 100k steps";
  EXPECT_GT(r.local.min_return, 2.0 * r.frozen.max_return)
      << "local " << r.local.min_return << ".." << r.local.max_return << ", frozen "
      << r.frozen.min_return << ".." << r.frozen.max_return;
}

}  // namespace
}  // namespace coagent
