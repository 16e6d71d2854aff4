// The broadcast rules: perturb (node perturbation with a broadcast TD error) and dfa
// (a broadcast action gradient), against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"
#include "rules_fixture.hpp"

namespace coagent {
namespace {

using namespace rules_fixture;

LayerState perturb_layer(int fan_in, int width, int envs = 1) {
  LayerState L = make_layer(Rule::perturb, fan_in, width, 11, envs);
  L.elig.assign(L.trace.size() * static_cast<std::size_t>(L.params.stride), 0.0f);
  L.elig_b.assign(L.trace.size(), 0.0f);
  return L;
}

TEST(PerturbRule, TwoUpdatesMatchTheClosedForm) {
  RuleSettings rs{.rule = Rule::perturb, .gamma = 0.9f, .alpha_actor = 0.1f, .trace_lambda = 0.5f};
  LayerState L = perturb_layer(2, 1);
  LayerParams& p = L.params;
  p.K[0] = 0.3f; p.K[1] = -0.2f; p.b[0] = 0.1f;
  const auto v0 = frame({0.5f, -1.0f}), v1 = frame({0.25f, 0.75f}), v2 = frame({-0.5f, 0.5f});
  // Step 1: the neuron explored with draw g = 1.5 at sigma'(z) = 0.8; TD error 2.
  L.trace[0] = NeuronTrace{0.1f, 0.8f, 0.3f, 0.4f, 1, 1.5f};
  std::vector<float> out(8);
  neurons_learn(quiet_spec(), rs, L, 0, 0, 1, v0.data(), StepSignal{0.0f, false, 2.0f},
                FrameKind::mid);
  neurons_flush(rs, L, 0, 1, v0.data());
  double e[3] = {1.5 * 0.8 * 0.5, 1.5 * 0.8 * -1.0, 1.5 * 0.8};
  double K[3] = {0.3, -0.2, 0.1};
  for (int i = 0; i < 3; ++i) K[i] += 0.1 * 2.0 * e[i];
  EXPECT_NEAR(p.K[0], K[0], 1e-6);
  EXPECT_NEAR(p.K[1], K[1], 1e-6);
  EXPECT_NEAR(p.b[0], K[2], 1e-6);
  // Step 2: g = -0.5, sigma' = 0.6, TD error -1: the trace decays by gamma*lambda.
  L.trace[0] = NeuronTrace{0.2f, 0.6f, -0.1f, 0.1f, 1, -0.5f};
  neurons_learn(quiet_spec(), rs, L, 0, 0, 1, v1.data(), StepSignal{0.0f, false, -1.0f},
                FrameKind::mid);
  neurons_flush(rs, L, 0, 1, v1.data());
  const double x1[3] = {0.25, 0.75, 1.0};
  for (int i = 0; i < 3; ++i) {
    e[i] = 0.45 * e[i] + -0.5 * 0.6 * x1[i];
    K[i] += 0.1 * -1.0 * e[i];
  }
  EXPECT_NEAR(p.K[0], K[0], 1e-6);
  EXPECT_NEAR(p.K[1], K[1], 1e-6);
  EXPECT_NEAR(p.b[0], K[2], 1e-6);
  EXPECT_NEAR(L.elig[0], e[0], 1e-6);
  EXPECT_NEAR(L.elig_b[0], e[2], 1e-6);
  // An episode's first frame clears the traces and changes nothing else.
  neurons_step(quiet_spec(), rs, L, 0, 0, 1, nullptr, v2.data(), v2.data(), StepSignal{},
               FrameKind::first, out.data(), true, NoiseClock{});
  EXPECT_EQ(L.elig[0], 0.0f);
  EXPECT_EQ(L.elig_b[0], 0.0f);
  EXPECT_NEAR(p.K[0], K[0], 1e-6);
}

TEST(PerturbRule, NoiseDrawIsRecordedAndZeroWithoutExploration) {
  LayerSpec spec;
  spec.noise = NoiseKind::ou;
  spec.noise_scale = 0.5;
  LayerState L = perturb_layer(2, 4);
  const auto v = frame({0.1f, 0.2f});
  std::vector<float> out(8);
  neurons_emit(spec, RuleSettings{.rule = Rule::perturb}, L, 0, 0, 4, nullptr, nullptr, v.data(),
               FrameKind::first, out.data(), true, NoiseClock{});
  for (int n = 0; n < 4; ++n) {
    // First OU step from 0 with dt = 1: xi = float(sigma * g) = sigma * float(g)
    // exactly (sigma = 0.5 is a power of two).
    EXPECT_EQ(L.pending[n].xi, 0.5f * L.pending[n].g);
    EXPECT_NE(L.pending[n].g, 0.0f);
  }
  spec.explore_fraction = 0.0;
  neurons_emit(spec, RuleSettings{.rule = Rule::perturb}, L, 0, 0, 4, nullptr, v.data(), v.data(),
               FrameKind::mid, out.data(), true, NoiseClock{});
  for (int n = 0; n < 4; ++n) EXPECT_EQ(L.pending[n].g, 0.0f);
}

TEST(PerturbRule, WeightNormBoundHolds) {
  RuleSettings rs{.rule = Rule::perturb, .gamma = 0.9f, .alpha_actor = 100.0f,
                  .trace_lambda = 0.5f, .max_weight_norm = 2.0f};
  LayerState L = perturb_layer(2, 3);
  const auto v0 = frame({0.5f, -1.0f}), v1 = frame({0.25f, 0.75f});
  for (int n = 0; n < 3; ++n) L.trace[n] = NeuronTrace{0.1f, 0.8f, 0.3f, 0.4f, 1, 1.0f};
  // With a bound, learn steps the rows at once (the bound needs them).
  neurons_learn(quiet_spec(), rs, L, 0, 0, 3, v0.data(), StepSignal{0.0f, false, 5.0f},
                FrameKind::mid);
  for (int n = 0; n < 3; ++n) {
    const float* K = &L.params.K[static_cast<std::size_t>(n) * L.params.stride];
    const double norm = std::sqrt(K[0] * K[0] + K[1] * K[1] + L.params.b[n] * L.params.b[n]);
    EXPECT_NEAR(norm, 2.0, 1e-5) << "neuron " << n;
  }
}

// dfa: [K; b] += alpha (B.g) sigma'(z) [v; 1], with the neuron's feedback weights B.
TEST(DfaRule, OneUpdateMatchesClosedForm) {
  RuleSettings rs{.rule = Rule::dfa, .alpha_actor = 0.1f};
  LayerState L = make_layer(Rule::dfa, 2, 1, 3);
  LayerParams& p = L.params;
  p.K[0] = 0.3f; p.K[1] = -0.2f; p.b[0] = 0.1f;
  p.fb[0] = 0.5f; p.fb[1] = -2.0f;  // two action dimensions
  const auto v0 = frame({0.5f, -1.0f}), v1 = frame({0.25f, 0.75f});
  L.trace[0] = NeuronTrace{0.1f, 0.8f, 0.0f, 0.1f, 0, 0.0f};
  StepSignal sig{0.0f, false, 1.0f};
  sig.grad = {2.0f, 0.25f, 0.0f, 0.0f};
  neurons_learn(quiet_spec(), rs, L, 0, 0, 1, v0.data(), sig, FrameKind::mid);
  neurons_flush(rs, L, 0, 1, v0.data());
  const double s = 0.1 * (0.5 * 2.0 - 2.0 * 0.25) * 0.8;
  EXPECT_NEAR(p.K[0], 0.3 + s * 0.5, 1e-6);
  EXPECT_NEAR(p.K[1], -0.2 - s, 1e-6);
  EXPECT_NEAR(p.b[0], 0.1 + s, 1e-6);
}

// The output layer of rule dfa writes its noise after its voltages, for the critic.
TEST(DfaRule, OutputLayerCarriesItsNoiseInTheFrame) {
  LayerState L = make_layer(Rule::dfa, 2, 1, 5);
  LayerSpec spec;
  spec.noise_scale = 0.3;
  spec.output = true;
  const auto v = frame({0.5f, -1.0f});
  std::vector<float> out(8, 0.0f);
  neurons_emit(spec, RuleSettings{.rule = Rule::dfa}, L, 0, 0, 1, nullptr, v.data(), v.data(),
               FrameKind::mid, out.data(), true, NoiseClock{});
  EXPECT_NE(out[1], 0.0f);
  EXPECT_EQ(out[1], L.pending[0].xi);
  EXPECT_FLOAT_EQ(out[0], L.pending[0].y + out[1]);
}

}  // namespace
}  // namespace coagent
