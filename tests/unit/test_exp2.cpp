// Experiment 2's pieces: the environment critic (TD(lambda) on random features), the
// presets, the frozen control, the grid's summary — and the learning test that the
// MountainCar preset's hidden layers beat the frozen-hidden control.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "coagent/checkpoint.hpp"
#include "coagent/env_critic.hpp"
#include "coagent/exp2.hpp"
#include "coagent/random.hpp"
#include "exp2_test_support.hpp"

namespace coagent {
namespace {
using testing::local_vs_frozen;
using testing::LocalVsFrozen;

TEST(EnvCritic, TdErrorIsRewardPlusDiscountedNextValueMinusValue) {
  EnvCritic c({.features = 64, .bandwidth = 0.5, .alpha = 0.0, .lambda = 0.9, .gamma = 0.9}, 2, 1, 7);
  for (std::size_t i = 0; i < c.weights().size(); ++i) c.weights()[i] = 0.1f * static_cast<float>(i % 7);
  const std::vector<float> s0 = {0.2f, -0.4f}, s1 = {0.5f, 0.1f};
  c.begin(0, s0);
  const double v0 = c.value(s0), v1 = c.value(s1);
  ASSERT_GT(std::abs(v1), 0.05);  // the bootstrap term is visible
  EXPECT_NEAR(c.step(0, s1, 1.5f, false), 1.5 + 0.9 * v1 - v0, 1e-5);
  // Terminal transitions do not bootstrap.
  c.begin(0, s0);
  EXPECT_NEAR(c.step(0, s1, 1.5f, true), 1.5 - v0, 1e-5);
}

// The critic by hand, in double: the features as env_critic.hpp documents them,
// f_i(s) = sqrt(2/M) cos(omega_i . s + phase_i), with omega ~ N(0, I/bandwidth^2)
// then phase ~ U[0, 2 pi) drawn from the critic's stream (env_critic.cpp), and
// TD(lambda) with one accumulating trace per environment:
//   delta = r + gamma (1 - done) u.f(s') - u.f(s),  e = gamma lambda e + f(s),
//   u += alpha delta e;  begin() clears the environment's trace.
struct CriticModel {
  EnvCriticSettings s;
  int inputs;
  std::vector<double> omega, phase, u;
  std::vector<std::vector<double>> e, f;  // per environment
  CriticModel(const EnvCriticSettings& s_, int inputs_, int envs, std::uint64_t seed)
      : s(s_), inputs(inputs_), u(s_.features, 0.0),
        e(envs, std::vector<double>(s_.features, 0.0)), f(e) {
    Pcg32 rng(derive_seed(seed, kFamilyCritic, 0));
    for (int i = 0; i < s.features * inputs; ++i)
      omega.push_back(static_cast<float>(rng.normal() / s.bandwidth));
    for (int i = 0; i < s.features; ++i)
      phase.push_back(static_cast<float>(rng.uniform(0.0, 2.0 * std::numbers::pi)));
  }
  std::vector<double> features(const std::vector<float>& v) const {
    std::vector<double> out(s.features);
    for (int i = 0; i < s.features; ++i) {
      double z = phase[i];
      for (int d = 0; d < inputs; ++d) z += omega[i * inputs + d] * v[d];
      out[i] = std::sqrt(2.0 / s.features) * std::cos(z);
    }
    return out;
  }
  double value(const std::vector<float>& v) const {
    const auto x = features(v);
    double sum = 0.0;
    for (int i = 0; i < s.features; ++i) sum += u[i] * x[i];
    return sum;
  }
  void begin(int env, const std::vector<float>& v) {
    f[env] = features(v);
    std::fill(e[env].begin(), e[env].end(), 0.0);
  }
  double step(int env, const std::vector<float>& v1, double r, bool done) {
    const auto f1 = features(v1);
    double v_now = 0.0, v_next = 0.0;
    for (int i = 0; i < s.features; ++i) {
      v_now += u[i] * f[env][i];
      v_next += u[i] * f1[i];
    }
    const double delta = r + (done ? 0.0 : s.gamma * v_next) - v_now;
    for (int i = 0; i < s.features; ++i) {
      e[env][i] = s.gamma * s.lambda * e[env][i] + f[env][i];
      u[i] += s.alpha * delta * e[env][i];
    }
    f[env] = f1;
    return delta;
  }
};

// Relative to the size of the quantity, with a floor of 1 (float arithmetic).
void expect_close(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-5 * std::max(1.0, std::abs(want))) << what;
}

TEST(EnvCritic, TdLambdaStepsMatchTheClosedFormPerEnvironment) {
  const EnvCriticSettings s{.features = 5, .bandwidth = 0.7, .alpha = 0.4, .lambda = 0.8,
                            .gamma = 0.9};
  const int inputs = 2, M = 5;
  EnvCritic c(s, inputs, 2, 21);
  CriticModel m(s, inputs, 2, 21);
  const std::vector<std::vector<float>> st = {{0.2f, -0.4f}, {0.5f, 0.1f},  {-0.7f, 0.3f},
                                              {0.9f, 0.9f},  {-0.1f, -0.8f}, {0.4f, -0.6f}};
  const std::vector<float>& probe = st[4];
  auto check_state = [&](const char* when) {
    SCOPED_TRACE(when);
    for (int i = 0; i < M; ++i) {
      expect_close(c.weights()[i], m.u[i], "u");
      for (int env = 0; env < 2; ++env) {
        expect_close(c.traces()[env * M + i], m.e[env][i], "trace");
        expect_close(c.current_features()[env * M + i], m.f[env][i], "features");
      }
    }
    for (const auto& v : st) expect_close(c.value(v), m.value(v), "value");
  };
  // Env 0: a four-step episode that terminates, with a repeated state (the trace
  // accumulates), then a new episode. Env 1 interleaves its own episode, so its
  // trace must stay its own while u is shared.
  struct Op {
    int env;
    int state;
    float reward;
    bool done;
    bool begin;
  };
  const Op ops[] = {{0, 0, 0.0f, false, true},  {0, 1, 1.0f, false, false},
                    {1, 2, 0.0f, false, true},  {0, 1, -0.5f, false, false},
                    {1, 3, 2.0f, false, false}, {0, 2, 0.75f, false, false},
                    {1, 0, -1.0f, false, false}, {0, 3, 3.0f, true, false},
                    {0, 4, 0.0f, false, true},  {1, 5, 0.5f, true, false},
                    {0, 5, -2.0f, false, false}, {0, 0, 1.5f, false, false}};
  int n = 0;
  double biggest_trace = 0.0;
  for (const Op& op : ops) {
    const std::string when = "op " + std::to_string(n++);
    if (op.begin) {
      const std::vector<float> other(c.traces().begin() + (1 - op.env) * M,
                                     c.traces().begin() + (2 - op.env) * M);
      c.begin(op.env, st[op.state]);
      m.begin(op.env, st[op.state]);
      // A new episode of one environment leaves the other's trace alone.
      EXPECT_EQ(std::vector<float>(c.traces().begin() + (1 - op.env) * M,
                                   c.traces().begin() + (2 - op.env) * M),
                other)
          << when;
    } else {
      const double want = m.step(op.env, st[op.state], op.reward, op.done);
      expect_close(c.step(op.env, st[op.state], op.reward, op.done), want, when.c_str());
    }
    for (const auto& e : m.e)
      for (double x : e) biggest_trace = std::max(biggest_trace, std::abs(x));
    check_state(when.c_str());
  }
  // The run was one where the trace matters: it grew past one feature's size.
  EXPECT_GT(biggest_trace, 1.2 * std::sqrt(2.0 / M));
  EXPECT_GT(std::abs(m.value(probe)), 0.1);
}

TEST(EnvCritic, LearnsTheValueOfAConstantReward) {
  // One state, reward 1 forever, gamma 0.9: V = 10.
  EnvCritic c({.features = 256, .bandwidth = 0.3, .alpha = 0.05, .lambda = 0.5, .gamma = 0.9}, 2, 1, 3);
  const std::vector<float> s = {0.3f, -0.7f};
  c.begin(0, s);
  for (int t = 0; t < 3000; ++t) c.step(0, s, 1.0f, false);
  EXPECT_NEAR(c.value(s), 10.0, 0.05);
  // One-step episodes ending with reward 2: V = 2.
  EnvCritic d({.features = 256, .bandwidth = 0.3, .alpha = 0.1, .lambda = 0.9, .gamma = 0.99}, 2, 2, 3);
  for (int t = 0; t < 500; ++t) {
    d.begin(t % 2, s);
    d.step(t % 2, std::vector<float>{0.9f, 0.9f}, 2.0f, true);
  }
  EXPECT_NEAR(d.value(s), 2.0, 0.02);
}

TEST(EnvCritic, DistinguishesStates) {
  // Two states with different constant rewards in one-step episodes.
  EnvCritic c({.features = 512, .bandwidth = 0.3, .alpha = 0.1, .lambda = 0.0, .gamma = 0.99}, 1, 1, 5);
  const std::vector<float> a = {-0.5f}, b = {0.5f};
  for (int t = 0; t < 2000; ++t) {
    const bool first = t % 2 == 0;
    c.begin(0, first ? a : b);
    c.step(0, a, first ? -1.0f : 1.0f, true);
  }
  EXPECT_NEAR(c.value(a), -1.0, 0.05);
  EXPECT_NEAR(c.value(b), 1.0, 0.05);
}

// Rule dfa's head: when the TD error is xi * g*(s) for a fixed smooth g*, the least
// mean squares fit recovers g* (the gradient the neurons are sent).
TEST(EnvCritic, ActionGradientHeadRecoversTheAdvantageSlope) {
  EnvCriticSettings s{.features = 256, .bandwidth = 0.7, .alpha = 0.0, .lambda = 0.0,
                      .gamma = 0.9, .actions = 1, .alpha_action = 0.5};
  EnvCritic c(s, 1, 1, 11);
  Pcg32 rng(5);
  auto slope = [](float x) { return 1.0f + 0.5f * x; };
  float grad = 0.0f;
  for (int t = 0; t < 40000; ++t) {
    const std::vector<float> s0 = {static_cast<float>(rng.uniform(-1.0, 1.0))};
    c.begin(0, s0);
    const float xi = static_cast<float>(0.3 * rng.normal());
    // alpha = 0 and u = 0: the TD error is the reward.
    c.step(0, s0, xi * slope(s0[0]), false, &xi, &grad);
  }
  for (float x : {-0.5f, 0.0f, 0.5f}) {
    const std::vector<float> s0 = {x};
    c.begin(0, s0);
    const float xi = 0.0f;  // no noise: the head does not move, only reports g(s)
    c.step(0, s0, 0.0f, false, &xi, &grad);
    EXPECT_NEAR(grad, slope(x), 0.1) << "at s = " << x;
  }
}

TEST(Presets, EveryPresetIsAValidConfiguration) {
  ASSERT_FALSE(presets().empty());
  for (const Preset& p : presets()) {
    TrainConfig c;
    apply_preset(c, p.name);
    EXPECT_NO_THROW(c.validate()) << p.name;
    EXPECT_NO_THROW(ddpg_config_for(c, p).validate()) << p.name;
    EXPECT_EQ(ddpg_config_for(c, p).actor_hidden, c.hidden) << p.name;
  }
  TrainConfig c;
  apply_preset(c, "mountaincar");
  EXPECT_EQ(c.env, "mountaincar");
  EXPECT_EQ(c.rule, Rule::perturb);
  EXPECT_EQ(c.hidden, (std::vector<int>{32, 32}));
  try {
    find_preset("mountain");
    FAIL() << "an unknown preset was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'mountain'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pendulum"), std::string::npos) << e.what();
  }
}

TEST(Exp2, FrozenControlFreezesAndSilencesOnlyTheHiddenLayers) {
  TrainConfig c;
  apply_preset(c, "mountaincar");
  const TrainConfig f = frozen_control(c);
  EXPECT_TRUE(f.freeze_hidden);
  const auto specs = f.layer_specs(1);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_FALSE(specs[0].learn);
  EXPECT_FALSE(specs[1].learn);
  EXPECT_TRUE(specs[2].learn);
  EXPECT_EQ(specs[0].noise_scale, 0.0);
  EXPECT_EQ(specs[1].noise_scale, 0.0);
  EXPECT_EQ(specs[2].noise_scale, c.layer_specs(1)[2].noise_scale);
  // Everything else is the same run.
  TrainConfig back = f;
  back.freeze_hidden = false;
  back.noise_scale = c.noise_scale;
  back.explore_schedule = c.explore_schedule;
  EXPECT_EQ(config_to_text(back), config_to_text(c));
}

TEST(Exp2, SummaryCountsAndMedians) {
  std::vector<Exp2Run> runs;
  const std::int64_t solve[] = {100, -1, 300, 200};
  for (int s = 0; s < 4; ++s) {
    Exp2Run r;
    r.seed = static_cast<std::uint64_t>(s + 1);
    r.final.mean_return = s;
    r.final.solved = solve[s] >= 0;
    r.solve_step = solve[s];
    runs.push_back(r);
  }
  const auto sum = summarise_exp2(runs);
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0].runs, 4);
  EXPECT_EQ(sum[0].solved, 3);
  EXPECT_EQ(sum[0].reached, 3);
  EXPECT_EQ(sum[0].median_solve, 200);  // lower median of 100, 200, 300, never
  EXPECT_DOUBLE_EQ(sum[0].mean_return, 1.5);
}

TEST(Exp2, PairedComparisonCountsNeverAsLast) {
  std::vector<Exp2Run> runs;
  const std::int64_t local[] = {100, -1, 300, 200}, frozen[] = {200, -1, -1, 100};
  for (int s = 0; s < 4; ++s) {
    for (Exp2Column c : {Exp2Column::local, Exp2Column::frozen}) {
      Exp2Run r;
      r.column = c;
      r.seed = static_cast<std::uint64_t>(s + 1);
      r.solve_step = c == Exp2Column::local ? local[s] : frozen[s];
      runs.push_back(r);
    }
  }
  const Exp2Paired p = compare_local_frozen(runs);
  EXPECT_EQ(p.pairs, 4);
  EXPECT_EQ(p.earlier, 2);  // seeds 1 and 3
  EXPECT_EQ(p.later, 1);    // seed 4
  EXPECT_EQ(p.same, 1);     // seed 2: neither
}

TEST(Exp2, CellsAreReproducibleAndCurvesRegular) {
  coagent::Exp2Options o;
  apply_preset(o.local, "mountaincar");
  o.local.steps = 3000;
  o.eval_every = 1000;
  o.curve_episodes = 2;
  o.eval_episodes = 2;
  const Exp2Run a = run_exp2_cell(o, Exp2Column::local, 4);
  const Exp2Run b = run_exp2_cell(o, Exp2Column::local, 4);
  ASSERT_EQ(a.curve.size(), 4u);
  EXPECT_EQ(a.curve[0].first, 0);  // the untrained network
  EXPECT_EQ(a.curve[3].first, 3000);
  EXPECT_EQ(a.curve, b.curve);
  EXPECT_EQ(a.final.mean_return, b.final.mean_return);
}

// MountainCar (rule perturb, every layer learning) at the preset's budget on 20 seeds
// solves at least 16 of them, and beats its frozen-hidden control on the same seeds:
// it reaches the criterion earlier in more seeds than it does later, and its median
// steps to solve is lower (measured: 20/20 against 19/20, earlier 15, later 2, median
// 40k against 60k; ~30 s on 2 cores). Twenty seeds, not ten: with ten the medians sit
// on the same 10k curve point often enough to tie by chance (with the noise generator
// of this change before its last critic change, seeds 1-10 gave 20k and 20k, earlier 6,
// later 2, and seeds 1-30 30k against 60k, earlier 22, later 2).
TEST(Exp2Learning, MountainCarPresetHiddenLayersBeatFrozenControl) {
  const LocalVsFrozen r =
      local_vs_frozen("mountaincar", 20, 0, {Exp2Column::local, Exp2Column::frozen});
  EXPECT_EQ(r.pair.pairs, 20);
  EXPECT_GE(r.local.solved, 16) << "the preset should solve at least 16 of 20 seeds";
  EXPECT_GT(r.pair.earlier, r.pair.later)
      << "hidden learning should reach the criterion earlier than the frozen control";
  ASSERT_GE(r.local.median_solve, 0);
  EXPECT_TRUE(r.frozen.median_solve < 0 || r.local.median_solve < r.frozen.median_solve)
      << "median steps to solve: local " << r.local.median_solve << ", frozen " << r.frozen.median_solve;
}

// Pendulum (rule dfa) learns within 60k steps against the untrained network: at least
// 5 of 20 seeds solved where the untrained network solves none (measured 9/20, mean
// final return -241; ~20 s on 2 cores). Against the frozen-hidden control the edge is
// small and not stable across seed sets since the noise became counter-based (seeds
// 1-20: 9/20 against 2/20, earlier 8, later 3; seeds 21-40: 6/20 against 7/20, earlier
// 5, later 4): docs/results.md, Experiment 2. It is no longer asserted here.
TEST(Exp2Learning, PendulumPresetLearnsAgainstTheUntrainedNetwork) {
  const LocalVsFrozen r = local_vs_frozen("pendulum", 20, 60000, {Exp2Column::local});
  EXPECT_EQ(r.local.solved_at_start, 0) << "the untrained network should not solve Pendulum";
  EXPECT_GE(r.local.solved, 5) << "the preset should solve at least 5 of 20 seeds in 60k steps";
}

}  // namespace
}  // namespace coagent
