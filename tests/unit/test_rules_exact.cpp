// The kernels' arithmetic that is specified to the bit: the fixed-order two-accumulator dot
// product, and the exploration noise each neuron draws from its Philox counter (the OU
// recursion, the Gaussian draw, explore_fraction, the per-episode reset). Each
// expectation is recomputed here from the documented formula, with the same float
// and double steps, and compared exactly.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

namespace coagent {
namespace {

std::uint32_t bits(float x) { return std::bit_cast<std::uint32_t>(x); }

// The documented order (sweep.inc, dot_padded): 32 partial sums, the 16-float blocks
// of the row alternating between acc[0..16) and acc[16..32) (block k adds
// a[16k+j]*b[16k+j] to acc[16 (k % 2) + j]), the two halves added lane by lane, then
// the 16 lanes reduced pairwise: t[i] += t[i+8], t[i] += t[i+4], t[i] += t[i+2],
// t[0] + t[1]. No -ffast-math and no FMA: each product and sum is rounded to float.
float dot_documented(const float* a, const float* b, int stride) {
  float acc[32] = {};
  for (int i = 0; i < stride; i += 16)
    for (int k = 0; k < 16; ++k) acc[16 * ((i / 16) % 2) + k] += a[i + k] * b[i + k];
  float t[16];
  for (int k = 0; k < 16; ++k) t[k] = acc[k] + acc[k + 16];
  for (int w = 8; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) t[k] = t[k] + t[k + w];
  return t[0];
}
// Orders a change could slip in: one running float sum; a double sum; the same
// lanes reduced left to right.
float dot_sequential(const float* a, const float* b, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
float dot_double(const float* a, const float* b, int n) {
  double s = 0.0;
  for (int i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return static_cast<float>(s);
}
float dot_lanes_left_to_right(const float* a, const float* b, int stride) {
  float acc[32] = {};
  for (int i = 0; i < stride; i += 16)
    for (int k = 0; k < 16; ++k) acc[16 * ((i / 16) % 2) + k] += a[i + k] * b[i + k];
  float s = 0.0f;
  for (float x : acc) s += x;
  return s;
}

TEST(Rules, DotIsOrderFixed) {
  for (int stride : {16, 32, 48, 64, 1024}) {
    SCOPED_TRACE("stride " + std::to_string(stride));
    int differ_seq = 0, differ_double = 0, differ_lanes = 0;
    const int trials = 64;
    for (int t = 0; t < trials; ++t) {
      Pcg32 rng(derive_seed(12, static_cast<std::uint64_t>(stride), static_cast<std::uint64_t>(t)));
      // One extra float in front, to call the kernel on a buffer that is not
      // 32-byte aligned as well.
      std::vector<float> a(stride + 1), b(stride + 1);
      for (auto& x : a) x = static_cast<float>(rng.normal());
      for (auto& x : b) x = static_cast<float>(rng.normal() * 3.0);
      const float* a0 = a.data() + 1;
      const float* b0 = b.data() + 1;
      const float want = dot_documented(a0, b0, stride);
      const float got = dot_padded(a0, b0, stride);
      ASSERT_EQ(bits(got), bits(want)) << "trial " << t << ": " << got << " vs " << want;
      std::vector<float> a2(a0, a0 + stride), b2(b0, b0 + stride);  // fresh allocation
      ASSERT_EQ(bits(dot_padded(a2.data(), b2.data(), stride)), bits(want)) << "trial " << t;
      differ_seq += bits(dot_sequential(a0, b0, stride)) != bits(want);
      differ_double += bits(dot_double(a0, b0, stride)) != bits(want);
      differ_lanes += bits(dot_lanes_left_to_right(a0, b0, stride)) != bits(want);
    }
    // The inputs are ones on which the order is visible: another order would fail
    // the exact comparison above on some of them.
    EXPECT_GT(differ_seq, 0);
    EXPECT_GT(differ_double, 0);
    EXPECT_GT(differ_lanes, 0);
  }
}

// A layer of `width` neurons (fan-in 3) with random weights.
LayerState noise_layer(int width, std::uint64_t seed) {
  LayerState L;
  L.params = LayerParams(3, width, Rule::linear);
  L.trace.resize(static_cast<std::size_t>(width));
  L.pending.resize(L.trace.size());
  L.noise.assign(L.trace.size(), 0.0f);
  L.update.assign(static_cast<std::size_t>(width), RowUpdate{});
  L.noise_key = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed * 7 + 1)};
  Pcg32 rng(seed);
  for (int n = 0; n < width; ++n) {
    for (int i = 0; i < 3; ++i) L.params.K[static_cast<std::size_t>(n) * L.params.stride + i] =
        static_cast<float>(0.5 * rng.normal());
    L.params.b[n] = static_cast<float>(0.5 * rng.normal());
  }
  return L;
}

// One neuron's exploration, from the scalar Philox reference (random.hpp): the words
// w of counter (neuron, env, episode, step) under the layer's key; it explores if
// explore_fraction >= 1 or float(w0 >> 8) 2^-24 < explore_fraction; then its draw is
// g = det_normal(w2, w1); gaussian: xi = s g; OU: x = x - (theta dt) x + (s sqrt(dt)) g,
// in float. The OU state restarts from 0 at an episode's first frame and when the
// layer sits out exploration; a `last` frame draws nothing.
struct NoiseModel {
  int neuron = 0;
  float x = 0.0f;
  float xi = 0.0f, g = 0.0f;
  bool explored = false;
  void emit(const LayerSpec& s, const LayerState& L, FrameKind kind, bool explore,
            NoiseClock clock) {
    xi = g = 0.0f;
    explored = false;
    if (kind == FrameKind::last) return;
    if (kind == FrameKind::first || !explore) x = 0.0f;
    if (!explore) return;
    const auto w = philox4x32_10(
        {static_cast<std::uint32_t>(neuron), 0u, clock.episode, clock.step}, L.noise_key);
    explored = s.explore_fraction >= 1.0 ||
               static_cast<float>(w[0] >> 8) * 0x1.0p-24f < static_cast<float>(s.explore_fraction);
    if (!explored || s.noise_scale == 0.0) return;
    det_normal(&w[2], &w[1], &g, 1);
    if (s.noise == NoiseKind::gaussian) {
      xi = static_cast<float>(s.noise_scale) * g;
    } else {
      x = x - static_cast<float>(s.ou_theta * s.ou_dt) * x +
          static_cast<float>(s.noise_scale * std::sqrt(s.ou_dt)) * g;
      xi = x;
    }
  }
};

// Two episodes and a half, with a frame where the layer sits out exploration.
struct Frame {
  FrameKind kind;
  bool explore;
};
const Frame kFrames[] = {
    {FrameKind::first, true}, {FrameKind::mid, true},   {FrameKind::mid, true},
    {FrameKind::mid, true},   {FrameKind::mid, true},   {FrameKind::mid, true},
    {FrameKind::last, true},  {FrameKind::first, true}, {FrameKind::mid, true},
    {FrameKind::mid, true},   {FrameKind::mid, false},  {FrameKind::mid, true},
    {FrameKind::mid, true},   {FrameKind::mid, true},   {FrameKind::first, true},
    {FrameKind::mid, true},   {FrameKind::mid, true},   {FrameKind::last, true}};

struct NoiseRun {
  int carried = 0;  // OU steps that started from a nonzero state
  int resets = 0;   // first frames that discarded a nonzero OU state
};

// Runs the frames through neurons_emit and compares every neuron with the model.
NoiseRun check_noise(const LayerSpec& spec, int width, std::uint64_t seed) {
  LayerState L = noise_layer(width, seed);
  std::vector<NoiseModel> model;
  for (int n = 0; n < width; ++n) model.push_back(NoiseModel{n});
  NoiseRun run;
  Pcg32 in(seed + 100);
  std::vector<float> v(padded(3), 0.0f), out(padded(width)), greedy(padded(width));
  int t = 0;
  NoiseClock clock{~0u, 0};
  for (const Frame& f : kFrames) {
    if (f.kind == FrameKind::first) clock = {clock.episode + 1, 0};
    else ++clock.step;
    for (int i = 0; i < 3; ++i) v[i] = static_cast<float>(in.normal());
    for (int n = 0; n < width; ++n) {
      const bool from_nonzero = model[n].x != 0.0f;
      model[n].emit(spec, L, f.kind, f.explore, clock);
      if (f.kind == FrameKind::first && from_nonzero) ++run.resets;
      if (f.kind == FrameKind::mid && model[n].explored && from_nonzero) ++run.carried;
    }
    neurons_emit(spec, RuleSettings{}, L, 0, 0, width, nullptr, v.data(), v.data(), f.kind,
                 out.data(), f.explore, clock);
    neurons_greedy(L.params, 0, width, v.data(), greedy.data());
    for (int n = 0; n < width; ++n) {
      SCOPED_TRACE("frame " + std::to_string(t) + " neuron " + std::to_string(n));
      const NeuronTrace& p = L.pending[n];
      const NoiseModel& m = model[n];
      EXPECT_EQ(p.explored, m.explored ? 1 : 0);
      EXPECT_EQ(bits(p.g), bits(m.g));
      EXPECT_EQ(bits(p.xi), bits(m.xi));
      EXPECT_EQ(bits(L.noise[n]), bits(m.x));
      EXPECT_EQ(bits(p.y), bits(greedy[n]));
      EXPECT_EQ(bits(out[n]), bits(f.kind == FrameKind::last ? greedy[n] : greedy[n] + m.xi));
    }
    ++t;
  }
  return run;
}

TEST(Rules, OuNoiseIsTemporallyCorrelatedAndResetsPerEpisode) {
  LayerSpec spec;
  spec.noise = NoiseKind::ou;
  spec.noise_scale = 0.3;
  spec.ou_theta = 0.15;
  spec.ou_dt = 0.3;  // not 1, so that dt and sqrt(dt) both matter
  for (double fraction : {1.0, 0.6}) {
    SCOPED_TRACE("explore_fraction " + std::to_string(fraction));
    spec.explore_fraction = fraction;
    const NoiseRun run = check_noise(spec, 6, 10);
    // The frames exercised what the test is about: OU steps carrying a nonzero
    // state over, and first frames throwing one away.
    EXPECT_GT(run.carried, 10);
    EXPECT_GT(run.resets, 2);
  }
}

TEST(Rules, GaussianNoiseIsTheScaledDrawOfTheNeuronsStream) {
  LayerSpec spec;
  spec.noise = NoiseKind::gaussian;
  spec.noise_scale = 0.7;
  spec.ou_theta = 0.4;  // the OU settings do not apply
  spec.ou_dt = 0.3;
  for (double fraction : {1.0, 0.6, 0.0}) {
    SCOPED_TRACE("explore_fraction " + std::to_string(fraction));
    spec.explore_fraction = fraction;
    check_noise(spec, 6, 11);
  }
}

}  // namespace
}  // namespace coagent
