// The DDPG baseline: every backward pass against central finite differences (double
// precision), Adam and soft updates against their closed forms, the replay ring,
// serialisation (exact continuation, corrupt bytes), and short learning runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "ddpg/agent_core.hpp"
#include "ddpg/mlp.hpp"
#include "ddpg/replay_buffer.hpp"

namespace coagent {
namespace {

using ddpg::Activation;
using ddpg::DdpgCore;
using ddpg::Index;
using ddpg::Matrix;
using ddpg::Mlp;
using ddpg::MlpCache;
using ddpg::Vector;

constexpr double kStep = 1e-5;  // central differences: error ~ h^2 f''' + eps / h

// d f / d x by central differences, x restored afterwards.
template <class F>
double central_difference(F&& f, double& x) {
  const double x0 = x;
  x = x0 + kStep;
  const double up = f();
  x = x0 - kStep;
  const double down = f();
  x = x0;
  return (up - down) / (2 * kStep);
}

void expect_close(double analytic, double numeric, const std::string& what) {
  const double scale = std::max({1.0, std::abs(analytic), std::abs(numeric)});
  EXPECT_NEAR(analytic, numeric, 1e-6 * scale) << what;
}

Matrix<double> random_matrix(Index rows, Index cols, Pcg32& rng, double scale = 1.0) {
  Matrix<double> m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = scale * rng.normal();
  return m;
}

// A small double-precision configuration whose tests run in milliseconds.
DdpgConfig tiny_config() {
  DdpgConfig c;
  c.actor_hidden = {6, 5};
  c.critic_hidden = {7, 4};
  c.precision = DdpgPrecision::float64;
  c.buffer_size = 64;
  c.batch_size = 8;
  c.learning_starts = 0;
  c.obs_norm = true;
  return c;
}

const Box kTwoActions{{-2.0, 0.0}, {2.0, 1.0}};

// A core with random transitions (some terminated) and observation statistics.
DdpgAgent filled_agent(std::uint64_t seed) {
  DdpgAgent agent(tiny_config(), 3, kTwoActions, seed);
  Pcg32 rng(seed + 100);
  std::vector<double> obs(3), next(3), action(2);
  for (int t = 0; t < 40; ++t) {
    for (double& x : obs) x = rng.normal();
    for (double& x : next) x = rng.normal();
    agent.explore(obs, action);  // updates the observation statistics
    agent.observe(obs, action, rng.normal(), next, t % 5 == 0, t % 7 == 0);
  }
  return agent;
}

DdpgCore<double>& core_of(DdpgAgent& a) { return std::get<DdpgCore<double>>(detail::DdpgAccess::impl(a).core); }

// --- Mlp --------------------------------------------------------------------------

TEST(DdpgMlp, BackwardMatchesFiniteDifferences) {
  for (Activation out : {Activation::tanh, Activation::identity}) {
    Pcg32 rng(7);
    Mlp<double> net({4, 6, 5, 3}, out, rng);
    const Matrix<double> x = random_matrix(4, 5, rng);
    const Matrix<double> g = random_matrix(3, 5, rng);  // loss = sum(g .* output)
    MlpCache<double> cache;
    auto loss = [&] {
      net.forward(x, cache);
      return cache.output().cwiseProduct(g).sum();
    };
    loss();
    Vector<double> grad;
    Matrix<double> d_input;
    net.backward(cache, g, &grad, &d_input);
    ASSERT_EQ(grad.size(), net.num_parameters());
    for (Index k = 0; k < net.num_parameters(); ++k)
      expect_close(grad(k), central_difference(loss, net.parameters()(k)),
                   "parameter " + std::to_string(k));
    Matrix<double> xm = x;
    auto loss_x = [&] {
      net.forward(xm, cache);
      return cache.output().cwiseProduct(g).sum();
    };
    for (Index j = 0; j < x.cols(); ++j)
      for (Index i = 0; i < x.rows(); ++i)
        expect_close(d_input(i, j), central_difference(loss_x, xm(i, j)), "input");
    // Skipping the parameter gradient leaves the input gradient unchanged.
    loss();
    Matrix<double> d_input_only;
    net.backward(cache, g, nullptr, &d_input_only);
    EXPECT_EQ(d_input_only, d_input);
  }
}

TEST(DdpgMlp, ForwardIsReluThenOutputActivation) {
  Pcg32 rng(3);
  Mlp<double> net({2, 3, 1}, Activation::tanh, rng);
  const Matrix<double> x = random_matrix(2, 4, rng);
  MlpCache<double> c;
  net.forward(x, c);
  const Matrix<double> h = ((net.weight(0) * x).colwise() + net.bias(0)).cwiseMax(0.0);
  const Matrix<double> y = ((net.weight(1) * h).colwise() + net.bias(1)).array().tanh().matrix();
  EXPECT_LT((c.output() - y).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(DdpgMlp, InitialisationIsPyTorchUniformAndSeeded) {
  Pcg32 a(11), b(11);
  Mlp<double> n1({16, 9, 2}, Activation::tanh, a), n2({16, 9, 2}, Activation::tanh, b);
  EXPECT_EQ(n1.parameters(), n2.parameters());
  EXPECT_EQ(n1.num_parameters(), 9 * 17 + 2 * 10);
  EXPECT_LE(n1.weight(0).cwiseAbs().maxCoeff(), 0.25);
  EXPECT_LE(n1.bias(0).cwiseAbs().maxCoeff(), 0.25);
  EXPECT_GT(n1.weight(0).cwiseAbs().maxCoeff(), 0.2);  // fills the range
  EXPECT_LE(n1.weight(1).cwiseAbs().maxCoeff(), 1.0 / 3.0);
  EXPECT_GT(n1.weight(1).cwiseAbs().maxCoeff(), 0.25);
}

// --- Adam and soft updates -------------------------------------------------------------

TEST(DdpgAdam, TwoStepsMatchClosedForm) {
  const ddpg::AdamSettings s{.lr = 0.01, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
  ddpg::Adam<double> adam(3, s);
  Vector<double> p(3), g1(3), g2(3);
  p << 1.0, -2.0, 0.5;
  g1 << 0.3, -1e-3, 0.0;
  g2 << -0.1, 2.0, 0.4;
  const Vector<double> p0 = p;
  adam.step(p, g1);
  for (int i = 0; i < 3; ++i) {
    // t = 1: m_hat = g, v_hat = g^2.
    const double expected = p0(i) - s.lr * g1(i) / (std::abs(g1(i)) + s.eps);
    EXPECT_NEAR(p(i), expected, 1e-15);
  }
  const Vector<double> p1 = p;
  adam.step(p, g2);
  for (int i = 0; i < 3; ++i) {
    const double m = 0.9 * 0.1 * g1(i) + 0.1 * g2(i);
    const double v = 0.999 * 0.001 * g1(i) * g1(i) + 0.001 * g2(i) * g2(i);
    const double m_hat = m / (1 - 0.81), v_hat = v / (1 - 0.999 * 0.999);
    EXPECT_NEAR(p(i), p1(i) - s.lr * m_hat / (std::sqrt(v_hat) + s.eps), 1e-14);
  }
  EXPECT_EQ(adam.t, 2);
}

TEST(DdpgSoftUpdate, MatchesClosedForm) {
  Vector<double> target(2), source(2);
  target << 1.0, -4.0;
  source << 3.0, 0.5;
  ddpg::soft_update(target, source, 0.25);
  EXPECT_DOUBLE_EQ(target(0), 0.75 * 1.0 + 0.25 * 3.0);
  EXPECT_DOUBLE_EQ(target(1), 0.75 * -4.0 + 0.25 * 0.5);
}

TEST(DdpgSoftUpdate, TrainStepMovesTargetsByTau) {
  DdpgAgent agent = filled_agent(5);
  const auto ta = agent.target_actor_parameters(), tc = agent.target_critic_parameters();
  agent.train_step();
  const auto a = agent.actor_parameters(), c = agent.critic_parameters();
  const auto ta2 = agent.target_actor_parameters(), tc2 = agent.target_critic_parameters();
  const double tau = agent.config().tau;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(ta2[i], (1 - tau) * ta[i] + tau * a[i], 1e-15);
  for (std::size_t i = 0; i < c.size(); ++i)
    EXPECT_NEAR(tc2[i], (1 - tau) * tc[i] + tau * c[i], 1e-15);
}

// --- replay buffer ------------------------------------------------------------------

TEST(DdpgReplay, RingWrapsAroundAndOverwritesTheOldest) {
  ddpg::ReplayBuffer<double> rb(5, 1, 1);
  for (int t = 0; t < 7; ++t) {
    const double o = t, a = -t, n = t + 0.5;
    rb.add({&o, 1}, {&a, 1}, 10.0 * t, {&n, 1}, t == 6);
  }
  EXPECT_EQ(rb.size(), 5);
  EXPECT_EQ(rb.position(), 2);
  // Slots 0 and 1 now hold transitions 5 and 6; slots 2..4 still hold 2..4.
  const double expected[5] = {5, 6, 2, 3, 4};
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(rb.obs()(0, k), expected[k]);
    EXPECT_EQ(rb.action()(0, k), -expected[k]);
    EXPECT_EQ(rb.reward()(0, k), 10 * expected[k]);
    EXPECT_EQ(rb.next_obs()(0, k), expected[k] + 0.5);
    EXPECT_EQ(rb.terminated()(0, k), k == 1 ? 1.0 : 0.0);
  }
  // Sampling draws only stored transitions, each of them eventually.
  Pcg32 rng(1);
  ddpg::ReplayBatch<double> b;
  rb.sample(400, rng, b);
  std::vector<int> seen(7, 0);
  for (Index j = 0; j < 400; ++j) {
    const int t = static_cast<int>(b.obs(0, j));
    ASSERT_TRUE(t >= 2 && t <= 6) << t;
    ++seen[t];
    EXPECT_EQ(b.not_terminated(0, j), t == 6 ? 0.0 : 1.0);
    EXPECT_EQ(b.reward(0, j), 10.0 * t);
  }
  for (int t = 2; t <= 6; ++t) EXPECT_GT(seen[t], 40) << t;
}

TEST(DdpgReplay, UniformBelowStaysInRange) {
  Pcg32 rng(9);
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 1000u, 4000000000u})
    for (int i = 0; i < 1000; ++i) ASSERT_LT(ddpg::uniform_below(rng, n), n);
}

// --- critic and actor gradients ----------------------------------------------------------

TEST(DdpgCritic, ActionGradientMatchesFiniteDifferences) {
  DdpgAgent agent = filled_agent(2);
  Pcg32 rng(4);
  for (int trial = 0; trial < 5; ++trial) {
    const std::vector<double> obs{rng.normal(), rng.normal(), rng.normal()};
    std::vector<double> a{rng.uniform(-1, 1), rng.uniform(-1, 1)};
    const std::vector<double> g = agent.critic_action_gradient(obs, a);
    ASSERT_EQ(g.size(), 2u);
    for (int i = 0; i < 2; ++i)
      expect_close(g[i], central_difference([&] { return agent.critic_value(obs, a); }, a[i]),
                   "dQ/da");
  }
}

TEST(DdpgCritic, TdLossGradientMatchesFiniteDifferences) {
  DdpgAgent agent = filled_agent(3);
  DdpgCore<double>& c = core_of(agent);
  ddpg::ReplayBatch<double> b;
  Pcg32 rng(8);
  c.replay.sample(16, rng, b);
  c.normalize(b.obs);
  c.normalize(b.next_obs);
  ASSERT_GT((b.not_terminated.array() == 0.0).count(), 0);  // both kinds of transition
  ASSERT_GT((b.not_terminated.array() == 1.0).count(), 0);
  Vector<double> grad;
  c.critic_loss(b, &grad);
  ASSERT_EQ(grad.size(), c.critic.num_parameters());
  for (Index k = 0; k < grad.size(); ++k)
    expect_close(grad(k),
                 central_difference([&] { return c.critic_loss(b, nullptr); },
                                    c.critic.parameters()(k)),
                 "critic parameter " + std::to_string(k));
}

TEST(DdpgCritic, TargetBootstrapsOnTruncationButNotOnTermination) {
  DdpgAgent agent = filled_agent(4);
  DdpgCore<double>& c = core_of(agent);
  ddpg::ReplayBatch<double> b;
  Pcg32 rng(2);
  c.replay.sample(2, rng, b);
  b.not_terminated << 0.0, 1.0;
  b.reward << 0.5, -0.25;
  // Q(s, a) and Q'(s', mu'(s')) of both columns, from the networks directly.
  MlpCache<double> cache;
  Matrix<double> in(5, 2), next_in(5, 2);
  in << b.obs, b.action;
  c.critic.forward(in, cache);
  const Matrix<double> q = cache.output();
  c.actor_target.forward(b.next_obs, cache);
  next_in << b.next_obs, cache.output();
  c.critic_target.forward(next_in, cache);
  const double y0 = 0.5, y1 = -0.25 + c.cfg.gamma * cache.output()(0, 1);
  const double expected = 0.5 * ((q(0, 0) - y0) * (q(0, 0) - y0) + (q(0, 1) - y1) * (q(0, 1) - y1));
  EXPECT_NEAR(c.critic_loss(b, nullptr), expected, 1e-12);
  // observe(): only `terminated` is stored as the end of bootstrapping.
  const std::vector<double> o{0, 0, 0}, a{0, 0.5};
  c.observe(o, a, 0.0, o, false, true);
  EXPECT_EQ(c.replay.terminated()(0, (c.replay.position() + 63) % 64), 0.0);
  c.observe(o, a, 0.0, o, true, false);
  EXPECT_EQ(c.replay.terminated()(0, (c.replay.position() + 63) % 64), 1.0);
}

TEST(DdpgActor, UpdateDirectionMatchesFiniteDifferencesThroughTheCritic) {
  DdpgAgent agent = filled_agent(6);
  DdpgCore<double>& c = core_of(agent);
  ddpg::ReplayBatch<double> b;
  Pcg32 rng(5);
  c.replay.sample(16, rng, b);
  c.normalize(b.obs);
  Vector<double> grad;
  c.actor_loss(b, &grad);  // -mean Q(s, mu(s))
  ASSERT_EQ(grad.size(), c.actor.num_parameters());
  ASSERT_GT(grad.norm(), 1e-6);
  for (Index k = 0; k < grad.size(); ++k)
    expect_close(grad(k),
                 central_difference([&] { return c.actor_loss(b, nullptr); },
                                    c.actor.parameters()(k)),
                 "actor parameter " + std::to_string(k));
}

TEST(DdpgActor, ProbeGivesPerNeuronGradientsAndActivations) {
  DdpgAgent agent = filled_agent(7);
  DdpgCore<double>& c = core_of(agent);
  const std::vector<double> obs{0.3, -1.2, 0.7};
  const DdpgActorProbe p = agent.actor_probe(obs);
  const std::vector<double> mu = agent.policy_action(obs);
  EXPECT_EQ(p.scaled_action, mu);
  EXPECT_DOUBLE_EQ(p.q, agent.policy_value(obs));
  EXPECT_EQ(p.dq_daction, agent.critic_action_gradient(obs, mu));
  ASSERT_EQ(p.layers.size(), 3u);
  for (int l = 0; l < 3; ++l) {
    const DdpgActorLayerProbe& layer = p.layers[l];
    ASSERT_EQ(layer.fan_in, c.actor.widths()[l]);
    ASSERT_EQ(layer.width, c.actor.widths()[l + 1]);
    ASSERT_EQ(layer.dq_dweight.size(), static_cast<std::size_t>(layer.width * layer.fan_in));
    for (int n = 0; n < layer.width; ++n) {
      double z = c.actor.bias(l)(n);
      for (int i = 0; i < layer.fan_in; ++i) z += c.actor.weight(l)(n, i) * layer.input[i];
      EXPECT_NEAR(layer.pre_activation[n], z, 1e-12);
      EXPECT_NEAR(layer.activation[n], l == 2 ? std::tanh(z) : std::max(z, 0.0), 1e-12);
      auto q = [&] { return agent.policy_value(obs); };
      for (int i = 0; i < layer.fan_in; ++i)
        expect_close(layer.dq_dweight[n * layer.fan_in + i],
                     central_difference(q, c.actor.weight(l)(n, i)), "dQ/dW");
      expect_close(layer.dq_dbias[n], central_difference(q, c.actor.bias(l)(n)), "dQ/db");
    }
    if (l > 0) {
      EXPECT_EQ(layer.input, p.layers[l - 1].activation);
    }
  }
  EXPECT_EQ(p.layers[2].activation, mu);
}

// --- acting and noise -----------------------------------------------------------------

TEST(DdpgAgent, ExploreIsUniformBeforeLearningStartsThenPolicyPlusClippedNoise) {
  DdpgConfig cfg = tiny_config();
  cfg.learning_starts = 50;
  cfg.noise = DdpgNoise::none;
  DdpgAgent agent(cfg, 3, kTwoActions, 1);
  const std::vector<double> obs{0.1, 0.2, 0.3};
  std::vector<double> a(2), g(2);
  double lo = 1e9, hi = -1e9;
  for (int t = 0; t < 50; ++t) {
    agent.explore(obs, a);
    lo = std::min(lo, a[0]);
    hi = std::max(hi, a[0]);
    agent.observe(obs, a, 0.0, obs, false, false);
  }
  EXPECT_LT(lo, -1.5);  // uniform over [-2, 2]
  EXPECT_GT(hi, 1.5);
  EXPECT_EQ(agent.updates(), 0);
  agent.explore(obs, a);  // step 50: the policy, no noise
  agent.greedy_action(obs, g);
  EXPECT_NEAR(a[0], g[0], 1e-12);
  EXPECT_NEAR(a[1], g[1], 1e-12);
  agent.observe(obs, a, 0.0, obs, false, false);
  EXPECT_EQ(agent.updates(), 1);  // steps 51 > learning_starts

  cfg.learning_starts = 0;
  cfg.noise = DdpgNoise::gaussian;
  cfg.noise_std = 50.0;  // every action ends up at a bound
  DdpgAgent noisy(cfg, 3, kTwoActions, 1);
  for (int t = 0; t < 20; ++t) {
    noisy.explore(obs, a);
    EXPECT_TRUE(a[0] == -2.0 || a[0] == 2.0) << a[0];
    EXPECT_TRUE(a[1] == 0.0 || a[1] == 1.0) << a[1];
  }
}

TEST(DdpgAgent, OrnsteinUhlenbeckNoiseFollowsItsRecurrenceAndResetsPerEpisode) {
  DdpgConfig cfg = tiny_config();
  cfg.noise = DdpgNoise::ou;
  cfg.noise_std = 0.3;
  cfg.ou_theta = 0.15;
  cfg.ou_dt = 0.01;
  cfg.learning_starts = 1000;  // no training: only the noise moves
  DdpgAgent agent(cfg, 3, kTwoActions, 12);
  DdpgCore<double>& c = core_of(agent);
  Pcg32 replica = c.explore_rng;
  std::vector<double> x(2, 0.0), a(2);
  const std::vector<double> obs{0, 0, 0};
  for (int t = 0; t < 30; ++t) {
    agent.explore(obs, a);
    for (int i = 0; i < 2; ++i) replica.uniform();  // the warm-up action
    for (int i = 0; i < 2; ++i) {
      x[i] += 0.15 * (0.0 - x[i]) * 0.01 + 0.3 * std::sqrt(0.01) * replica.normal();
      EXPECT_DOUBLE_EQ(c.ou_state[i], x[i]);
    }
    agent.observe(obs, a, 0.0, obs, false, t == 29);
  }
  EXPECT_EQ(c.ou_state, std::vector<double>(2, 0.0));
}

TEST(DdpgAgent, RejectsBadArguments) {
  EXPECT_THROW(DdpgAgent(tiny_config(), 0, kTwoActions, 1), std::invalid_argument);
  EXPECT_THROW(DdpgAgent(tiny_config(), 3, Box{{1.0}, {1.0}}, 1), std::invalid_argument);
  EXPECT_THROW(DdpgAgent(tiny_config(), 3, Box{{0.0}, {INFINITY}}, 1), std::invalid_argument);
  DdpgConfig bad = tiny_config();
  bad.gamma = 1.5;
  EXPECT_THROW(DdpgAgent(bad, 3, kTwoActions, 1), std::invalid_argument);
  DdpgAgent agent(tiny_config(), 3, kTwoActions, 1);
  std::vector<double> obs(2), a(2);
  EXPECT_THROW(agent.explore(obs, a), std::invalid_argument);
  EXPECT_THROW(agent.train_step(), std::logic_error);
}

// --- settings ---------------------------------------------------------------------------

TEST(DdpgConfig, DefaultsAreRlZooPendulum) {
  const DdpgConfig c;
  EXPECT_EQ(c.actor_hidden, (std::vector<int>{400, 300}));
  EXPECT_EQ(c.critic_hidden, (std::vector<int>{400, 300}));
  EXPECT_EQ(c.gamma, 0.98);
  EXPECT_EQ(c.buffer_size, 200000);
  EXPECT_EQ(c.learning_starts, 10000);
  EXPECT_EQ(c.batch_size, 256);
  EXPECT_EQ(c.tau, 0.005);
  EXPECT_EQ(c.noise, DdpgNoise::gaussian);
  EXPECT_EQ(c.noise_std, 0.1);
  EXPECT_NO_THROW(c.validate());
}

TEST(DdpgConfig, EntriesRoundTripAndBadValuesThrow) {
  DdpgConfig c;
  c.actor_hidden = {64};
  c.critic_hidden = {};
  c.gamma = 0.123456789012345;
  c.noise = DdpgNoise::ou;
  c.obs_norm = true;
  c.precision = DdpgPrecision::float64;
  DdpgConfig d;
  for (const auto& [k, v] : ddpg_config_entries(c)) set_ddpg_config_entry(d, k, v);
  EXPECT_EQ(ddpg_config_entries(d), ddpg_config_entries(c));
  EXPECT_EQ(d.gamma, c.gamma);
  EXPECT_THROW(set_ddpg_config_entry(d, "gama", "0.9"), std::invalid_argument);
  EXPECT_THROW(set_ddpg_config_entry(d, "noise", "pink"), std::invalid_argument);
  EXPECT_THROW(set_ddpg_config_entry(d, "batch-size", "x"), std::invalid_argument);
  d.batch_size = 0;
  EXPECT_THROW(d.validate(), std::invalid_argument);
}

// --- serialisation ------------------------------------------------------------------------

// Runs `agent` for `n` steps on `env` from observation `obs` (updated in place).
void run_steps(DdpgAgent& agent, Env& env, std::vector<double>& obs, int n) {
  std::vector<double> next(obs.size()), a(static_cast<std::size_t>(agent.action_size()));
  for (int t = 0; t < n; ++t) {
    agent.explore(obs, a);
    const StepResult r = env.step(a, next);
    agent.observe(obs, a, r.reward, next, r.terminated, r.truncated);
    if (r.terminated || r.truncated) env.reset(std::nullopt, next);
    obs = next;
  }
}

DdpgConfig small_pendulum_config(DdpgPrecision p) {
  DdpgConfig c;
  c.actor_hidden = {16, 16};
  c.critic_hidden = {16, 16};
  c.learning_starts = 100;
  c.batch_size = 32;
  c.buffer_size = 500;  // wraps during the test
  c.noise = DdpgNoise::ou;
  c.noise_std = 0.5;
  c.obs_norm = true;
  c.precision = p;
  return c;
}

TEST(DdpgSerialisation, RoundTripContinuesIdentically) {
  for (DdpgPrecision prec : {DdpgPrecision::float32, DdpgPrecision::float64}) {
    SCOPED_TRACE(std::string(to_string(prec)));
    auto env_a = make_env("pendulum");
    std::vector<double> obs(3);
    env_a->reset(21, obs);
    DdpgAgent a(small_pendulum_config(prec), 3, env_a->action_bounds(), 21);
    run_steps(a, *env_a, obs, 650);
    const std::vector<char> bytes = a.save();
    DdpgAgent b = DdpgAgent::load(bytes);
    EXPECT_EQ(b.save(), bytes);
    EXPECT_EQ(b.steps(), 650);
    EXPECT_EQ(b.replay_size(), 500);
    // The same environment state for both continuations.
    auto env_b = make_env("pendulum");
    env_b->set_state(env_a->state());
    env_b->set_elapsed_steps(env_a->elapsed_steps());
    env_b->set_rng_state(env_a->rng_state());
    std::vector<double> obs_b = obs;
    run_steps(a, *env_a, obs, 300);
    run_steps(b, *env_b, obs_b, 300);
    EXPECT_EQ(obs, obs_b);
    EXPECT_EQ(a.save(), b.save());
    // Without the replay buffer: the learned state round-trips, the buffer is empty.
    const std::vector<char> lean = a.save(false);
    EXPECT_LT(lean.size(), a.save().size());
    DdpgAgent c = DdpgAgent::load(lean);
    EXPECT_EQ(c.save(false), lean);
    EXPECT_EQ(c.replay_size(), 0);
    EXPECT_EQ(c.actor_parameters(), a.actor_parameters());
  }
}

TEST(DdpgSerialisation, CorruptOrTruncatedBytesThrow) {
  DdpgAgent agent = filled_agent(9);
  const std::vector<char> bytes = agent.save();
  auto load = [](const std::vector<char>& b) { return DdpgAgent::load(b); };
  EXPECT_THROW(load({}), std::runtime_error);
  for (std::size_t n = 0; n < bytes.size(); n += 1 + n / 16) {
    const std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(load(cut), std::runtime_error) << "truncated to " << n;
  }
  for (std::size_t i = 0; i < bytes.size(); i += 1 + i / 8) {
    std::vector<char> bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    EXPECT_THROW(load(bad), std::runtime_error) << "byte " << i;
  }
  std::vector<char> longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(load(longer), std::runtime_error);
}

// Bytes with a valid checksum but impossible content are still rejected.
TEST(DdpgSerialisation, ConsistentChecksumDoesNotHideBadContent) {
  DdpgAgent agent = filled_agent(10);
  const std::vector<char> bytes = agent.save();
  auto reseal = [](std::vector<char> b) {
    b.resize(b.size() - 8);
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char ch : b) {
      h ^= static_cast<unsigned char>(ch);
      h *= 0x100000001b3ULL;
    }
    const auto* p = reinterpret_cast<const char*>(&h);
    b.insert(b.end(), p, p + 8);
    return b;
  };
  EXPECT_EQ(reseal(bytes), bytes);
  const std::string text(bytes.begin(), bytes.end());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"gamma=0.98", "gamma=9.98"},
           {"actor-hidden=6,5", "actor-hidden=6,6"},
           {"precision=float64", "precision=float32"},
           {"noise=gaussian", "noise=ggussian"}}) {
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    std::vector<char> bad = bytes;
    std::copy(to.begin(), to.end(), bad.begin() + static_cast<std::ptrdiff_t>(at));
    EXPECT_THROW(DdpgAgent::load(reseal(bad)), std::runtime_error) << to;
  }
}

// --- learning -------------------------------------------------------------------------------

TEST(DdpgTrain, SameSeedSameResult) {
  DdpgConfig c = small_pendulum_config(DdpgPrecision::float32);
  const EnvFactory pendulum = [] { return make_env("pendulum"); };
  const DdpgRunResult a = train_ddpg(c, pendulum, 600, 3);
  const DdpgRunResult b = train_ddpg(c, pendulum, 600, 3);
  const DdpgRunResult other = train_ddpg(c, pendulum, 600, 4);
  EXPECT_EQ(a.agent.save(), b.agent.save());
  EXPECT_EQ(a.episode_returns, b.episode_returns);
  EXPECT_EQ(a.episodes, 3);
  EXPECT_NE(a.agent.save(false), other.agent.save(false));
  const EvalResult ea = evaluate_ddpg(a.agent, pendulum, 2, 77);
  const EvalResult eb = evaluate_ddpg(b.agent, pendulum, 2, 77);
  EXPECT_EQ(ea.mean_return, eb.mean_return);
}

TEST(DdpgTrain, ImprovesOnPendulumWithinASmallBudget) {
  DdpgConfig c;
  c.actor_hidden = {64, 64};
  c.critic_hidden = {64, 64};
  c.learning_starts = 1000;
  c.batch_size = 64;
  const std::uint64_t seed = 1;
  const std::int64_t steps = 6000;
  std::cout << "seed " << seed << ", " << steps << " steps\n";
  const EnvFactory pendulum = [] { return make_env("pendulum"); };
  const DdpgAgent untrained(c, 3, make_env("pendulum")->action_bounds(), seed);
  const EvalResult before = evaluate_ddpg(untrained, pendulum, 10, 1000001);
  const DdpgRunResult run = train_ddpg(c, pendulum, steps, seed);
  const EvalResult after = evaluate_ddpg(run.agent, pendulum, 10, 1000001);
  std::cout << "greedy mean return: untrained " << before.mean_return << ", trained "
            << after.mean_return << " (" << run.wall_seconds << " s)\n";
  EXPECT_LT(before.mean_return, -900.0);
  EXPECT_GT(after.mean_return, -600.0);  // seeds 1..6 give -136..-457 over 100 episodes
}

}  // namespace
}  // namespace coagent
