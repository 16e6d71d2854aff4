// Experiment 1 and the gradient-alignment probe: the statistics against hand-computed
// values, the sub-critic's TD step, the local critics against a case with a known
// answer, the probe's cosine on a case built so the local direction is the true
// gradient, tiny end-to-end runs (finite numbers, bit-identical on a rerun), the
// seed pool, the summaries over seeds, and the recorded greedy rollout.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/experiments.hpp"
#include "coagent/random.hpp"
#include "coagent/rollout.hpp"
#include "coagent/trainer.hpp"
#include "experiments/parallel.hpp"
#include "experiments/probe.hpp"
#include "experiments/sub_critic.hpp"

namespace coagent {
namespace {

using experiments::LocalCriticLayer;
using experiments::MatrixD;
using experiments::NeuronFrame;
using experiments::SubCritic;
using experiments::VectorD;

TEST(Exp1Stats, PearsonMatchesHandComputedValue) {
  // dx = -2..2, dy = (-2, 0, 1, 0, 1): sum dx dy = 6, sum dx^2 = 10, sum dy^2 = 6.
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  EXPECT_NEAR(pearson_r(x, y), 6.0 / std::sqrt(60.0), 1e-14);
  const std::vector<double> up{3, 5, 7, 9, 11}, down{-1, -2, -3, -4, -5};
  EXPECT_NEAR(pearson_r(x, up), 1.0, 1e-14);
  EXPECT_NEAR(pearson_r(x, down), -1.0, 1e-14);
  const std::vector<double> flat{2, 2, 2, 2, 2}, shorter{1, 2};
  EXPECT_TRUE(std::isnan(pearson_r(x, flat)));
  EXPECT_TRUE(std::isnan(pearson_r(x, shorter)));
  EXPECT_EQ(successive_differences(y), (std::vector<double>{2, 1, -1, 1}));
  // Zeros are left out: 2 of the 3 counted pairs agree.
  const std::vector<double> a{1, -2, 0, 3}, b{2, 1, 5, 0.5};
  EXPECT_DOUBLE_EQ(sign_agreement(a, b), 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(sign_agreement(a, shorter)));
}

TEST(Exp1Stats, StudentTQuantilesMatchTables) {
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706204736, 1e-7);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302652730, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776445105, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272456, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.95, 10), 1.812461123, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.025, 2), -4.302652730, 1e-8);
  EXPECT_EQ(student_t_quantile(0.5, 3), 0.0);
  EXPECT_THROW(student_t_quantile(1.0, 3), std::invalid_argument);
  EXPECT_THROW(student_t_quantile(0.9, 0), std::invalid_argument);
}

TEST(Exp1Stats, MeanIntervalUsesStudentTWithNMinusOneDof) {
  // s = 0.2, n = 3: half width = t_{0.975, 2} * 0.2 / sqrt(3).
  const std::vector<double> r{0.2, 0.4, 0.6, std::numeric_limits<double>::quiet_NaN()};
  const MeanInterval m = mean_interval(r);
  EXPECT_EQ(m.n, 3);
  EXPECT_NEAR(m.mean, 0.4, 1e-15);
  EXPECT_NEAR(m.half_width, 4.302652730 * 0.2 / std::sqrt(3.0), 1e-8);
  EXPECT_NEAR(m.low, 0.4 - m.half_width, 1e-15);
  EXPECT_NEAR(m.high, 0.4 + m.half_width, 1e-15);
  const std::vector<double> one{0.7};
  const MeanInterval s = mean_interval(one);
  EXPECT_EQ(s.n, 1);
  EXPECT_EQ(s.low, 0.7);
  EXPECT_TRUE(std::isnan(s.half_width));
}

TEST(SubCritic, TdUpdateReducesTdErrorOnAFixedBatch) {
  constexpr std::uint64_t kSeed = 7;
  std::cout << "seed " << kSeed << "\n";
  Pcg32 rng(kSeed);
  const int in = 5, n = 32;
  auto random = [&](int rows, int cols) {
    ddpg::Matrix<double> m(rows, cols);
    for (int j = 0; j < cols; ++j)
      for (int i = 0; i < rows; ++i) m(i, j) = rng.normal();
    return m;
  };
  const ddpg::Matrix<double> input = random(in, n), next = random(in, n), reward = random(1, n);
  const ddpg::Matrix<double> not_terminated = ddpg::Matrix<double>::Ones(1, n);
  experiments::SubCriticSettings s;
  s.hidden = {16, 16};
  s.gamma = 0.9;
  s.tau = 0.005;
  SubCritic<double> q(in, s, kSeed);
  const double before = q.td_loss(input, reward, not_terminated, next);
  for (int k = 0; k < 600; ++k) q.update(input, reward, not_terminated, next);
  const double after = q.td_loss(input, reward, not_terminated, next);
  std::cout << "TD loss " << before << " -> " << after << "\n";
  EXPECT_LT(after, 0.25 * before);
}

// A bandit (gamma 0) with a fixed tanh neuron, reward -0.1 a^2: the true dQ/da at
// a = y is -0.2 y. The compatible critic's credit phi . w must learn it (|z| small, so
// y is nearly linear in [v; 1] and the compatible features can express it).
TEST(LocalCritic, CompatibleCreditLearnsTheActionGradientOfABandit) {
  constexpr std::uint64_t kSeed = 11;
  std::cout << "seed " << kSeed << "\n";
  Pcg32 rng(kSeed);
  const int fan_in = 2;
  LocalCriticLayer layer(fan_in, 1);
  const double k0 = 0.2, k1 = -0.15, b = 0.05;  // the neuron's fixed weights and bias
  auto frame_at = [&](const VectorD& v, double xi) {
    NeuronFrame f;
    f.v = v;
    const double y = std::tanh(k0 * v(0) + k1 * v(1) + b);
    f.y = VectorD::Constant(1, y);
    f.sp = VectorD::Constant(1, 1.0 - y * y);
    f.xi = VectorD::Constant(1, xi);
    f.a = VectorD::Constant(1, y + xi);
    return f;
  };
  for (int t = 0; t < 40000; ++t) {
    const VectorD v = (VectorD(2) << rng.uniform(-1, 1), rng.uniform(-1, 1)).finished();
    const NeuronFrame f = frame_at(v, 0.3 * rng.normal());
    const double reward = -0.1 * f.a(0) * f.a(0);
    layer.learn(f, v, f.y, reward, /*terminated=*/true, 0.99, 1e-2, 1e-2);
  }
  for (double v0 : {-0.8, 0.0, 0.9})
    for (double v1 : {-0.7, 0.6}) {
      const VectorD v = (VectorD(2) << v0, v1).finished();
      const NeuronFrame f = frame_at(v, 0.0);
      const double truth = -0.2 * f.y(0);
      const double credit = layer.credit(Rule::compatible, 0, v, f.sp(0));
      EXPECT_NEAR(credit, truth, 0.01) << "v = (" << v0 << ", " << v1 << ")";
    }
}

DdpgConfig tiny_ddpg() {
  DdpgConfig c;
  c.actor_hidden = {8, 6};
  c.critic_hidden = {16};
  c.precision = DdpgPrecision::float64;
  c.learning_starts = 100;
  c.batch_size = 32;
  c.buffer_size = 10000;
  c.noise = DdpgNoise::gaussian;
  c.noise_std = 0.3;
  return c;
}

// With a linear critic Q = c.s + k a + b, dQ/da = k everywhere, so an output neuron
// whose linear local critic has th_a = k steps exactly along the true gradient.
TEST(GradientProbe, CosineIsOneWhenTheLocalDirectionIsTheTrueGradient) {
  DdpgConfig cfg = tiny_ddpg();
  cfg.critic_hidden = {};
  auto env = make_env("mountaincar");
  DdpgAgent agent(cfg, env->observation_size(), env->action_bounds(), 3);
  const std::vector<int> widths = agent.actor_widths();
  const int layers = static_cast<int>(widths.size()) - 1;
  std::vector<LocalCriticLayer> critics;
  for (int l = 0; l < layers; ++l) critics.emplace_back(widths[l], widths[l + 1]);
  const experiments::States states = experiments::collect_probe_states("mountaincar", 24, 3);
  const std::vector<double> a0{0.1};
  const double k = agent.critic_action_gradient(states.front(), a0)[0];
  ASSERT_NE(k, 0.0);
  for (double sign : {1.0, -1.0}) {
    critics.back().th_a(0) = sign * k;
    const auto points = experiments::probe_alignment(agent, critics, states, 0);
    ASSERT_EQ(points.size(), static_cast<std::size_t>(2 * layers));
    const ProbePoint& out = points[layers - 1];  // linear rule, output layer
    EXPECT_EQ(out.rule, Rule::linear);
    EXPECT_EQ(out.layer, layers - 1);
    EXPECT_EQ(out.neurons, 1);
    EXPECT_NEAR(out.cosine, sign, 1e-12);
    EXPECT_DOUBLE_EQ(out.sign_agreement, sign > 0 ? 1.0 : 0.0);
    EXPECT_DOUBLE_EQ(out.signal_fraction, 1.0);
    // Hidden layers' local critics are still zero: no signal, cosine 0.
    EXPECT_DOUBLE_EQ(points[0].signal_fraction, 0.0);
    EXPECT_DOUBLE_EQ(points[0].cosine, 0.0);
  }
}

Exp1Config tiny_exp1() {
  Exp1Config c;
  c.ddpg = tiny_ddpg();
  c.sub_critic_hidden = {16};
  c.phase1_steps = 300;
  c.phase2_steps = 300;
  c.checkpoint_every = 50;
  c.probe_states = 32;
  c.eval_episodes = 1;
  return c;
}

TEST(Exp1, TinyRunGivesFiniteNumbersAndRepeatsExactly) {
  constexpr std::uint64_t kSeed = 5;
  std::cout << "seed " << kSeed << "\n";
  const Exp1Config cfg = tiny_exp1();
  const Exp1SeedResult r = run_exp1_seed(cfg, kSeed);
  EXPECT_EQ(r.actor_widths, (std::vector<int>{2, 8, 6, 1}));
  ASSERT_EQ(r.checkpoints.size(), 14u);  // (300 / 50 + 1) per phase
  EXPECT_EQ(r.checkpoints.front().phase, 1);
  EXPECT_EQ(r.checkpoints.back().phase, 2);
  EXPECT_EQ(r.checkpoints.back().step, 300);
  for (const auto& c : r.checkpoints) {
    EXPECT_TRUE(std::isfinite(c.global_q));
    ASSERT_EQ(c.local_q.size(), 3u);
    for (double q : c.local_q) EXPECT_TRUE(std::isfinite(q));
  }
  for (int p = 0; p < 2; ++p) {
    ASSERT_EQ(r.r_trajectory[p].size(), 3u);
    ASSERT_EQ(r.r_training[p].size(), 3u);
    EXPECT_GT(r.trajectory_points[p], 0);
    EXPECT_TRUE(std::isfinite(r.eval_return[p]));
    for (int l = 0; l < 3; ++l) {
      EXPECT_TRUE(std::isfinite(r.r_trajectory[p][l])) << "phase " << p + 1 << " layer " << l;
      EXPECT_TRUE(std::isfinite(r.r_training[p][l])) << "phase " << p + 1 << " layer " << l;
      EXPECT_TRUE(std::isfinite(r.same_sign_training[p][l]));
      EXPECT_TRUE(std::isfinite(r.same_sign_trajectory[p][l]));
    }
  }
  const Exp1SeedResult again = run_exp1_seed(cfg, kSeed);
  ASSERT_EQ(again.checkpoints.size(), r.checkpoints.size());
  for (std::size_t i = 0; i < r.checkpoints.size(); ++i) {
    EXPECT_EQ(again.checkpoints[i].global_q, r.checkpoints[i].global_q);
    EXPECT_EQ(again.checkpoints[i].local_q, r.checkpoints[i].local_q);
  }
}

TEST(Exp1, BadSettingsAreRejected) {
  Exp1Config cfg = tiny_exp1();
  cfg.env = "no-such-env";
  EXPECT_THROW(run_exp1_seed(cfg, 1), std::invalid_argument);
  cfg = tiny_exp1();
  cfg.checkpoint_every = 0;
  EXPECT_THROW(cfg.validate(), std::invalid_argument);
  ProbeConfig p;
  p.alpha_critic = -1.0;
  EXPECT_THROW(p.validate(), std::invalid_argument);
}

TEST(GradientProbe, TinyRunGivesFiniteNumbers) {
  constexpr std::uint64_t kSeed = 9;
  std::cout << "seed " << kSeed << "\n";
  ProbeConfig cfg;
  cfg.ddpg = tiny_ddpg();
  cfg.steps = 300;
  cfg.every = 100;
  cfg.probe_states = 16;
  cfg.eval_episodes = 1;
  const ProbeSeedResult r = run_gradient_probe(cfg, kSeed);
  ASSERT_EQ(r.points.size(), 4u * 2u * 3u);  // steps 0..300 by 100, 2 rules, 3 layers
  for (const auto& p : r.points) {
    if (p.neurons == 0) continue;  // every neuron of a layer dead on the probe set
    EXPECT_TRUE(std::isfinite(p.cosine));
    EXPECT_GE(p.cosine, -1.0 - 1e-12);
    EXPECT_LE(p.cosine, 1.0 + 1e-12);
    if (p.step > 0 && p.rule == Rule::linear) {
      EXPECT_GT(p.signal_fraction, 0.0);
    }
    if (p.rule == Rule::compatible && p.layer < 2) {
      // Hidden neurons do not explore here: the compatible critic's w gets no signal.
      EXPECT_EQ(p.signal_fraction, 0.0);
      EXPECT_TRUE(std::isnan(p.sign_agreement));
    }
  }
  EXPECT_TRUE(std::isfinite(r.eval_return));
}

// The seed pool runs every index once, on several threads at once, and rethrows the
// first exception only after every worker joined.
TEST(SeedPool, RunsEveryIndexOnceAndPropagatesTheFirstException) {
  for (int jobs : {0, 1, 3, 64}) {
    std::vector<std::atomic<int>> hits(37);
    experiments::run_indexed_parallel(jobs, 37, [&](int i) { hits[i].fetch_add(1); });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1) << "jobs " << jobs;
  }
  experiments::run_indexed_parallel(4, 0, [](int) { FAIL() << "no index to run"; });
  // The first exception stops the pool: on one thread exactly indices 0, 1 and 2 ran
  // (no timing involved); on four, every call started has finished when it rethrows.
  for (int jobs : {1, 4}) {
    std::atomic<int> running{0}, finished{0};
    EXPECT_THROW(experiments::run_indexed_parallel(jobs, 100,
                                                   [&](int i) {
                                                     running.fetch_add(1);
                                                     if (i == 2) throw std::runtime_error("seed 2");
                                                     finished.fetch_add(1);
                                                   }),
                 std::runtime_error);
    EXPECT_EQ(finished.load(), running.load() - 1) << "jobs " << jobs;
    if (jobs == 1) {
      EXPECT_EQ(running.load(), 3) << "the pool went on after the exception";
    }
  }
}

// The summaries over seeds, on results built by hand.
TEST(Exp1Stats, SummariesOverSeeds) {
  std::vector<Exp1SeedResult> runs(3);
  for (int k = 0; k < 3; ++k) {
    Exp1SeedResult& r = runs[k];
    r.seed = static_cast<std::uint64_t>(k + 1);
    r.actor_widths = {2, 4, 1};
    for (int p = 0; p < 2; ++p) {
      r.r_trajectory[p] = {0.1 * (k + 1), 0.5};
      r.r_training[p] = {-0.2, 0.3 * k};
      r.same_sign_trajectory[p] = {1.0, 0.5};
      r.same_sign_training[p] = {0.0, 0.25};
    }
  }
  const auto rows = summarise_exp1(runs);
  ASSERT_EQ(rows.size(), 8u);  // 2 measures x 2 phases x 2 layers
  EXPECT_EQ(rows[0].measure, "trajectory");
  EXPECT_EQ(rows[7].measure, "training");
  EXPECT_EQ(rows[2].phase, 2);
  EXPECT_EQ(rows[1].layer, 1);
  EXPECT_NEAR(rows[0].m.mean, 0.2, 1e-12);
  EXPECT_EQ(rows[0].per_seed.size(), 3u);
  EXPECT_EQ(rows[0].m.n, 3);
  EXPECT_NEAR(rows[7].m.mean, 0.3, 1e-12);
  EXPECT_EQ(rows[4].same_sign.mean, 0.0);
  EXPECT_TRUE(summarise_exp1({}).empty());

  std::vector<ProbeSeedResult> probes(2);
  for (int k = 0; k < 2; ++k) {
    probes[k].actor_widths = {2, 4, 1};
    for (std::int64_t step : {0, 100, 200})
      for (Rule rule : {Rule::linear, Rule::compatible})
        for (int l = 0; l < 2; ++l)
          probes[k].points.push_back({.step = step, .rule = rule, .layer = l,
                                      .cosine = step == 0 ? -1.0 : 0.5 + 0.1 * k,
                                      .sign_agreement = 0.75, .signal_fraction = 1.0, .neurons = 4});
  }
  const auto prow = summarise_probe(probes, 50);
  ASSERT_EQ(prow.size(), 4u);  // 2 rules x 2 layers
  EXPECT_EQ(prow[2].rule, Rule::compatible);
  EXPECT_NEAR(prow[0].cos_final.mean, 0.55, 1e-12);
  EXPECT_NEAR(prow[0].cos_mean.mean, 0.55, 1e-12);  // step 0 is before the warm-up's end
  EXPECT_NEAR(summarise_probe(probes, 0).front().cos_mean.mean, 0.55, 1e-12);
  EXPECT_NEAR(summarise_probe(probes, 500).front().cos_mean.mean, (-1.0 + 2 * 0.55) / 3, 1e-12);
  const auto means = probe_means_by_step(probes);
  ASSERT_EQ(means.size(), 3u);
  EXPECT_EQ(means[1].step, 100);
  ASSERT_EQ(means[1].cosine.size(), 4u);
  EXPECT_NEAR(means[1].cosine[3], 0.55, 1e-12);
  EXPECT_EQ(means[0].cosine[0], -1.0);
  EXPECT_EQ(means[2].sign_agreement[1], 0.75);
}

// rollout_greedy records the episode evaluate_greedy scores.
TEST(Rollout, RecordsTheEpisodeEvaluateGreedyScores) {
  const GreedyPolicy policy = [](std::span<const double> obs, std::span<double> action) {
    action[0] = obs[1] >= 0 ? 1.0 : -1.0;  // push along the velocity
  };
  auto env = make_env("mountaincar");
  const Trajectory t = rollout_greedy(*env, policy, 5);
  ASSERT_EQ(t.states.size(), t.actions.size() + 1);
  ASSERT_EQ(t.returns.size(), t.states.size());
  ASSERT_EQ(t.rewards.size(), t.actions.size());
  EXPECT_TRUE(t.terminated);  // this policy reaches the flag
  EXPECT_GE(t.states.back()[0], 0.45);
  auto fresh = make_env("mountaincar");
  const EvalResult r = evaluate_greedy(*fresh, 1, 5, policy);
  EXPECT_EQ(r.mean_return, t.returns.back());
  EXPECT_EQ(r.mean_length, static_cast<double>(t.steps()));
  // Reset with the seed: the first state is the one a seeded reset gives.
  std::vector<double> obs(2);
  fresh->reset(5, obs);
  EXPECT_EQ(fresh->state(), t.states.front());
  // The chain's time limit ends a policy that never moves right.
  auto chain = make_env("chain");
  const Trajectory stuck = rollout_greedy(
      *chain, [](std::span<const double>, std::span<double> a) { a[0] = -1.0; }, std::nullopt);
  EXPECT_FALSE(stuck.terminated);
  EXPECT_EQ(stuck.steps(), chain->max_episode_steps());
  EXPECT_EQ(stuck.returns.back(), -static_cast<double>(chain->max_episode_steps()));
}

}  // namespace
}  // namespace coagent
