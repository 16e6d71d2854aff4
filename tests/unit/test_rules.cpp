// The local rules: one update against a closed form, the actor step against a
// finite-difference gradient of the local critic, and partition independence
// (the bit-exact dot product and noise draws: test_rules_exact.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"
#include "rules_fixture.hpp"

namespace coagent {
namespace {

using namespace rules_fixture;

TEST(LinearRule, OneUpdateMatchesClosedForm) {
  RuleSettings rs{.rule = Rule::linear, .gamma = 0.9f, .alpha_actor = 0.05f,
                  .alpha_critic = 0.1f};
  LayerState L = make_layer(Rule::linear, 2, 1, 1);
  LayerParams& p = L.params;
  p.K[0] = 0.3f; p.K[1] = -0.2f; p.b[0] = 0.1f;
  p.cv[0] = 0.5f; p.cv[1] = 0.25f; p.cc[0] = 0.2f; p.wa[0] = 0.4f;
  const auto v0 = frame({0.5f, -1.0f});
  const auto v1 = frame({0.25f, 0.75f});
  const double y0 = std::tanh(0.3 * 0.5 + 0.2 + 0.1), sp0 = 1 - y0 * y0, xi0 = 0.3;
  const double a0 = y0 + xi0;
  L.trace[0] = NeuronTrace{static_cast<float>(y0), static_cast<float>(sp0),
                           static_cast<float>(xi0), static_cast<float>(a0), 1};
  const double r = 1.5;
  std::vector<float> out(8);
  neurons_step(quiet_spec(), rs, L, 0, 0, 1, nullptr, v0.data(), v1.data(),
               StepSignal{1.5f, false}, FrameKind::mid, out.data(), true, NoiseClock{});
  neurons_flush(rs, L, 0, 1, v0.data());  // the row steps the next sweep would apply

  const double y1 = std::tanh(0.3 * 0.25 - 0.2 * 0.75 + 0.1);
  EXPECT_NEAR(out[0], y1, 1e-6);
  const double q_next = 0.5 * 0.25 + 0.25 * 0.75 + 0.4 * y1 + 0.2;
  const double q_now = 0.5 * 0.5 - 0.25 + 0.4 * a0 + 0.2;
  const double delta = r + 0.9 * q_next - q_now;
  const double g = 0.1 * delta;
  EXPECT_NEAR(p.cv[0], 0.5 + g * 0.5, 1e-6);
  EXPECT_NEAR(p.cv[1], 0.25 - g, 1e-6);
  EXPECT_NEAR(p.cc[0], 0.2 + g, 1e-6);
  const double wa = 0.4 + g * a0;
  EXPECT_NEAR(p.wa[0], wa, 1e-6);
  const double s = 0.05 * wa * sp0;
  EXPECT_NEAR(p.K[0], 0.3 + s * 0.5, 1e-6);
  EXPECT_NEAR(p.K[1], -0.2 - s, 1e-6);
  EXPECT_NEAR(p.b[0], 0.1 + s, 1e-6);
  EXPECT_EQ(p.K[2], 0.0f);  // padding stays zero
  EXPECT_NEAR(L.trace[0].y, y1, 1e-6);
}

TEST(LinearRule, TerminalTransitionDoesNotBootstrap) {
  RuleSettings rs{.rule = Rule::linear, .gamma = 0.9f, .alpha_actor = 0.0f,
                  .alpha_critic = 0.1f};
  LayerState L = make_layer(Rule::linear, 1, 1, 2);
  LayerParams& p = L.params;
  p.cv[0] = 0.0f; p.cc[0] = 1.0f; p.wa[0] = 0.0f;
  L.trace[0] = NeuronTrace{0.0f, 1.0f, 0.0f, 0.0f, 1};
  const auto v0 = frame({1.0f}), v1 = frame({1.0f});
  std::vector<float> out(8);
  neurons_step(quiet_spec(), rs, L, 0, 0, 1, nullptr, v0.data(), v1.data(),
               StepSignal{2.0f, true}, FrameKind::last, out.data(), true, NoiseClock{});
  // delta = 2 - 1 = 1 (no bootstrap)
  EXPECT_NEAR(p.cc[0], 1.1, 1e-6);
}

void compatible_closed_form(ActorStep step) {
  RuleSettings rs{.rule = Rule::compatible, .actor_step = step, .gamma = 0.95f,
                  .alpha_actor = 0.02f, .alpha_critic = 0.1f, .alpha_value = 0.05f};
  LayerState L = make_layer(Rule::compatible, 2, 1, 3);
  LayerParams& p = L.params;
  p.K[0] = -0.4f; p.K[1] = 0.6f; p.b[0] = 0.05f;
  p.cv[0] = 0.3f; p.cv[1] = -0.1f; p.cc[0] = 0.5f;
  p.wk[0] = 0.2f; p.wk[1] = 0.7f; p.wa[0] = -0.3f;
  const double v0[2] = {0.8, -0.5}, v1[2] = {-0.2, 0.4};
  const auto f0 = frame({0.8f, -0.5f}), f1 = frame({-0.2f, 0.4f});
  const double y0 = std::tanh(-0.4 * 0.8 + 0.6 * -0.5 + 0.05), sp0 = 1 - y0 * y0, xi0 = -0.6;
  L.trace[0] = NeuronTrace{static_cast<float>(y0), static_cast<float>(sp0),
                           static_cast<float>(xi0), static_cast<float>(y0 + xi0), 1};
  std::vector<float> out(8);
  neurons_step(quiet_spec(), rs, L, 0, 0, 1, nullptr, f0.data(), f1.data(),
               StepSignal{-1.0f, false}, FrameKind::mid, out.data(), true, NoiseClock{});
  neurons_flush(rs, L, 0, 1, f0.data());

  double w[3] = {0.2, 0.7, -0.3}, u[3] = {0.3, -0.1, 0.5};
  const double phi[3] = {sp0 * v0[0], sp0 * v0[1], sp0};
  const double phi_w = phi[0] * w[0] + phi[1] * w[1] + phi[2] * w[2];
  const double q_now = xi0 * phi_w + u[0] * v0[0] + u[1] * v0[1] + u[2];
  const double v_next = u[0] * v1[0] + u[1] * v1[1] + u[2];
  const double delta = -1.0 + 0.95 * v_next - q_now;
  for (int i = 0; i < 3; ++i) w[i] += 0.1 * delta * xi0 * phi[i];
  const double x0[3] = {v0[0], v0[1], 1.0};
  for (int i = 0; i < 3; ++i) u[i] += 0.05 * delta * x0[i];
  EXPECT_NEAR(p.wk[0], w[0], 1e-6);
  EXPECT_NEAR(p.wk[1], w[1], 1e-6);
  EXPECT_NEAR(p.wa[0], w[2], 1e-6);
  EXPECT_NEAR(p.cv[0], u[0], 1e-6);
  EXPECT_NEAR(p.cv[1], u[1], 1e-6);
  EXPECT_NEAR(p.cc[0], u[2], 1e-6);
  double K[3] = {-0.4, 0.6, 0.05};
  if (step == ActorStep::natural) {
    for (int i = 0; i < 3; ++i) K[i] += 0.02 * w[i];
  } else {
    const double pw = phi[0] * w[0] + phi[1] * w[1] + phi[2] * w[2];
    for (int i = 0; i < 3; ++i) K[i] += 0.02 * phi[i] * pw;
  }
  EXPECT_NEAR(p.K[0], K[0], 1e-6);
  EXPECT_NEAR(p.K[1], K[1], 1e-6);
  EXPECT_NEAR(p.b[0], K[2], 1e-6);
}

TEST(CompatibleRule, OneNaturalUpdateMatchesClosedForm) { compatible_closed_form(ActorStep::natural); }
TEST(CompatibleRule, OnePlainUpdateMatchesClosedForm) { compatible_closed_form(ActorStep::plain); }

// The actor step is the gradient of the neuron's local critic with respect to
// [K; b], through the neuron's own output: d/dK Q(v, tanh(K.v + b)), with the
// compatible critic's features held at the current parameters.
void check_actor_gradient(Rule rule) {
  RuleSettings rs{.rule = rule, .actor_step = ActorStep::plain};
  const int d = 5;
  LayerState L = make_layer(rule, d, 3, 11);
  const LayerParams& p = L.params;
  Pcg32 rng(5);
  std::vector<float> v(padded(d), 0.0f);
  for (int i = 0; i < d; ++i) v[i] = static_cast<float>(rng.normal());
  for (int n = 0; n < 3; ++n) {
    const std::size_t row = static_cast<std::size_t>(n) * p.stride;
    std::vector<double> theta(d + 1);
    for (int i = 0; i < d; ++i) theta[i] = p.K[row + i];
    theta[d] = p.b[n];
    auto y_of = [&](const std::vector<double>& t) {
      double z = t[d];
      for (int i = 0; i < d; ++i) z += t[i] * v[i];
      return std::tanh(z);
    };
    const double y0 = y_of(theta);
    // Q as a function of the action only (features fixed at theta).
    auto q_of_action = [&](double a) {
      if (rule == Rule::linear) return local_q(rs, p, n, v.data(), a);
      const double sp = 1 - y0 * y0;
      double phi_w = p.wa[n];
      for (int i = 0; i < d; ++i) phi_w += static_cast<double>(p.wk[row + i]) * v[i];
      double value = p.cc[n];
      for (int i = 0; i < d; ++i) value += static_cast<double>(p.cv[row + i]) * v[i];
      return (a - y0) * sp * phi_w + value;
    };
    std::vector<double> dir(d + 1);
    actor_direction(rs, p, n, v.data(), dir.data());
    for (int i = 0; i <= d; ++i) {
      const double eps = 1e-6;
      auto tp = theta, tm = theta;
      tp[i] += eps;
      tm[i] -= eps;
      const double fd = (q_of_action(y_of(tp)) - q_of_action(y_of(tm))) / (2 * eps);
      EXPECT_NEAR(dir[i], fd, 1e-6 + 1e-5 * std::abs(fd)) << "neuron " << n << " param " << i;
    }
    // local_q agrees with the compatible form at a = y: the advantage term vanishes.
    if (rule == Rule::compatible) {
      EXPECT_NEAR(local_q(rs, p, n, v.data(), y0), q_of_action(y0), 1e-9);
    }
  }
}

TEST(LinearRule, ActorStepIsTheGradientOfTheLocalCritic) { check_actor_gradient(Rule::linear); }
TEST(CompatibleRule, PlainActorStepIsTheGradientOfTheLocalCritic) {
  check_actor_gradient(Rule::compatible);
}

TEST(CompatibleRule, NaturalStepIsW) {
  RuleSettings rs{.rule = Rule::compatible, .actor_step = ActorStep::natural};
  LayerState L = make_layer(Rule::compatible, 3, 1, 4);
  std::vector<float> v(8, 0.0f);
  v[0] = 1.0f;
  double dir[4];
  actor_direction(rs, L.params, 0, v.data(), dir);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dir[i], L.params.wk[i]);
  EXPECT_EQ(dir[3], L.params.wa[0]);
}

TEST(Rules, ExploreFractionZeroEmitsTheDeterministicOutput) {
  LayerSpec spec;
  spec.noise_scale = 1.0;
  spec.explore_fraction = 0.0;
  LayerState L = make_layer(Rule::linear, 2, 4, 9);
  const auto v = frame({0.3f, -0.7f});
  std::vector<float> out(8), greedy(8);
  neurons_emit(spec, RuleSettings{}, L, 0, 0, 4, nullptr, nullptr, v.data(), FrameKind::first,
               out.data(), true, NoiseClock{});
  neurons_greedy(L.params, 0, 4, v.data(), greedy.data());
  for (int n = 0; n < 4; ++n) {
    EXPECT_EQ(out[n], greedy[n]);
    EXPECT_EQ(L.pending[n].explored, 0);
  }
}

// Any split of a layer into ranges computes bit-identical results, and so does
// applying every row step at once instead of in the next sweep (shard 0 below: a
// flush after each step), for every rule with private rows.
TEST(Rules, ResultsDoNotDependOnHowALayerIsSplitOrWhenRowsAreStepped) {
  for (Rule rule : {Rule::linear, Rule::compatible, Rule::perturb, Rule::dfa}) {
    SCOPED_TRACE(std::string(to_string(rule)));
    RuleSettings rs{.rule = rule, .gamma = 0.99f, .alpha_actor = 1e-2f, .alpha_critic = 1e-2f,
                    .alpha_value = 1e-2f};
    rs.actor_step = ActorStep::plain;
    LayerSpec spec;
    spec.noise_scale = 0.4;
    spec.explore_fraction = 0.7;
    const int d = 11, width = 13;
    LayerState base = make_layer(rule, d, width, 21);
    if (rule == Rule::perturb) {
      base.elig.assign(base.trace.size() * static_cast<std::size_t>(base.params.stride), 0.0f);
      base.elig_b.assign(base.trace.size(), 0.0f);
    }
    if (rule == Rule::dfa)
      for (std::size_t i = 0; i < base.params.fb.size(); ++i) base.params.fb[i] = 0.5f - 0.1f * (i % 7);
    std::vector<LayerState> runs;
    for (int shard : {13, 1, 3, 7, 0}) {
      LayerState L = base;
      Pcg32 in_rng(77);
      std::vector<float> old(padded(d), 0.0f), prev(padded(d), 0.0f), cur(padded(d), 0.0f),
          out(padded(width));
      bool kept = false;
      for (int t = 0; t < 60; ++t) {
        for (int i = 0; i < d; ++i) cur[i] = static_cast<float>(in_rng.normal());
        const FrameKind kind = t % 20 == 0 ? FrameKind::first
                               : t % 20 == 19 ? FrameKind::last : FrameKind::mid;
        StepSignal sig{static_cast<float>(t % 3) - 1.0f, t % 40 == 39, 0.3f - 0.01f * t};
        sig.grad = {0.5f, -0.25f, 0.0f, 0.0f};
        const int size = shard == 0 ? width : shard;
        for (int b = 0; b < width; b += size)
          neurons_step(spec, rs, L, 0, b, std::min(width, b + size), kept ? old.data() : nullptr,
                       prev.data(), cur.data(), sig, kind, out.data(), true,
                       NoiseClock{0, static_cast<std::uint32_t>(t)});
        kept = rows_pending(spec, rs, L, kind);
        if (kept && shard == 0) {
          neurons_flush(rs, L, 0, width, prev.data());
          kept = false;
        }
        old = prev;
        std::swap(prev, cur);
      }
      if (kept) neurons_flush(rs, L, 0, width, old.data());
      runs.push_back(std::move(L));
    }
    for (std::size_t i = 1; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].params.K, runs[0].params.K);
      EXPECT_EQ(runs[i].params.b, runs[0].params.b);
      EXPECT_EQ(runs[i].params.cv, runs[0].params.cv);
      EXPECT_EQ(runs[i].params.cc, runs[0].params.cc);
      EXPECT_EQ(runs[i].params.wk, runs[0].params.wk);
      EXPECT_EQ(runs[i].params.wa, runs[0].params.wa);
      EXPECT_EQ(runs[i].noise, runs[0].noise);
      for (std::size_t n = 0; n < runs[i].trace.size(); ++n) {
        EXPECT_EQ(runs[i].trace[n].g, runs[0].trace[n].g);
        EXPECT_EQ(runs[i].trace[n].a, runs[0].trace[n].a);
      }
    }
    EXPECT_NE(runs[0].params.K, base.params.K);
  }
}

// The row matrices and the traces start on a cache line (aligned.hpp), through growth,
// copies and moves, and stay plain float arrays.
TEST(AlignedFloats, RowMatricesStartOnACacheLineThroughGrowthAndCopies) {
  auto in_line = [](const float* p) { return reinterpret_cast<std::uintptr_t>(p) % kCacheLine; };
  const LayerParams p(100, 7, Rule::compatible);
  for (const AlignedFloats* rows : {&p.K, &p.cv, &p.wk}) EXPECT_EQ(in_line(rows->data()), 0u);
  LayerParams q = p;
  EXPECT_EQ(in_line(q.cv.data()), 0u);
  q.cv.assign(5001, 1.5f);
  EXPECT_EQ(in_line(q.cv.data()), 0u);
  q.K = q.cv;
  EXPECT_EQ(in_line(q.K.data()), 0u);
  // A copy owns its rows: writing the source afterwards leaves it as it was.
  EXPECT_NE(q.K.data(), q.cv.data());
  q.cv[17] = -2.0f;
  EXPECT_EQ(q.K[17], 1.5f);
  const float* moved = q.wk.data();
  AlignedFloats w = std::move(q.wk);
  EXPECT_EQ(w.data(), moved);
  LayerState L;
  L.elig.assign(3, 0.0f);
  EXPECT_EQ(in_line(L.elig.data()), 0u);
  EXPECT_THROW(CacheAlignedAllocator<float>().allocate(static_cast<std::size_t>(-1) / 2),
               std::bad_array_new_length);
}

}  // namespace
}  // namespace coagent
