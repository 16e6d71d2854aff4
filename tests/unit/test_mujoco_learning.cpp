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

}  // namespace
}  // namespace coagent
