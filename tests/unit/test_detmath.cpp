// The kernels' own transcendental functions and noise generator (src/rules/detmath.inc,
// random.hpp): tanh against std::tanh over every float, the same bits from every
// instruction-set build, Philox4x32-10 against Random123's known answers, and the
// normal draws' moments and tails.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coagent/random.hpp"
#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"
#include "rules/kernels.hpp"

namespace coagent {
namespace {

const kernels::Table* table_of(std::string_view isa) {
  if (isa == "avx2") return &kernels::avx2::table;
  if (isa == "avx512") return &kernels::avx512::table;
  return &kernels::generic::table;
}

// Distance in units in the last place between two finite floats of the same sign.
std::int64_t ulps(float a, float b) {
  const auto ia = static_cast<std::int64_t>(std::bit_cast<std::int32_t>(a));
  const auto ib = static_cast<std::int64_t>(std::bit_cast<std::int32_t>(b));
  return ia > ib ? ia - ib : ib - ia;
}

// Every non-negative float (2^31 bit patterns, NaNs included), in chunks, through each
// instruction set's tanh: the reference is std::tanh in double, rounded to float.
TEST(DetMath, TanhIsWithinAFewUlpOfStdTanhOverEveryFloat) {
  const std::vector<std::string_view> isas = available_isas();
  constexpr std::uint32_t kChunk = 1u << 16;
  std::vector<float> in(kChunk), out(kChunk), other(kChunk);
  std::int64_t worst = 0;
  float worst_x = 0.0f;
  std::uint64_t mismatched = 0, checked = 0;
  for (std::uint64_t base = 0; base < (1ull << 31); base += kChunk) {
    for (std::uint32_t i = 0; i < kChunk; ++i)
      in[i] = std::bit_cast<float>(static_cast<std::uint32_t>(base + i));
    table_of(isas.back())->tanh(in.data(), out.data(), static_cast<int>(kChunk));
    // The other builds give the same bits (every 64th chunk: the lanes are the same code).
    if (base % (64ull * kChunk) == 0)
      for (std::size_t k = 0; k + 1 < isas.size(); ++k) {
        table_of(isas[k])->tanh(in.data(), other.data(), static_cast<int>(kChunk));
        for (std::uint32_t i = 0; i < kChunk; ++i)
          mismatched += std::bit_cast<std::uint32_t>(other[i]) != std::bit_cast<std::uint32_t>(out[i]);
      }
    for (std::uint32_t i = 0; i < kChunk; ++i) {
      const float x = in[i];
      if (std::isnan(x)) {
        ASSERT_TRUE(std::isnan(out[i])) << "tanh(NaN) must be NaN";
        continue;
      }
      const float want = static_cast<float>(std::tanh(static_cast<double>(x)));
      const std::int64_t d = ulps(out[i], want);
      if (d > worst) {
        worst = d;
        worst_x = x;
      }
      ++checked;
    }
  }
  EXPECT_EQ(mismatched, 0u) << "instruction sets disagree";
  EXPECT_LE(worst, 3) << "worst at x = " << worst_x;
  EXPECT_GT(checked, 2'000'000'000u);
  // Odd, including the signed zero; saturates exactly.
  const float xs[] = {-0.0f, -1e-30f, -0.3f, -0.625f, -2.0f, -9.5f, -INFINITY};
  float ys[7], back[7];
  for (int i = 0; i < 7; ++i) back[i] = -xs[i];
  det_tanh(xs, ys, 7);
  det_tanh(back, back, 7);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(std::bit_cast<std::uint32_t>(ys[i]), std::bit_cast<std::uint32_t>(-back[i]));
  EXPECT_EQ(ys[6], -1.0f);
  EXPECT_TRUE(std::signbit(ys[0]));
}

// Random123's published known-answer vectors for Philox4x32-10 (its kat_vectors).
TEST(DetMath, PhiloxMatchesRandom123KnownAnswers) {
  using C = std::array<std::uint32_t, 4>;
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (C{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (C{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (C{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// Normal draws from consecutive Philox counters: the first four moments and the tail
// masses of N(0, 1), and the same bits from every instruction set.
TEST(DetMath, NormalDrawsHaveTheMomentsAndTailsOfAStandardNormal) {
  constexpr int kN = 1 << 21;
  std::vector<std::uint32_t> radius(kN), angle(kN);
  for (int i = 0; i < kN; ++i) {
    const auto w = philox4x32_10({static_cast<std::uint32_t>(i), 3, 5, 7}, {11, 13});
    radius[i] = w[2];
    angle[i] = w[1];
  }
  std::vector<float> g(kN), other(kN);
  det_normal(radius.data(), angle.data(), g.data(), kN);
  for (std::string_view isa : available_isas()) {
    table_of(isa)->normal(radius.data(), angle.data(), other.data(), kN);
    EXPECT_EQ(other, g) << isa;
  }
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  int beyond2 = 0, beyond3 = 0;
  for (float x : g) {
    ASSERT_TRUE(std::isfinite(x));
    m1 += x;
    m2 += static_cast<double>(x) * x;
    m3 += static_cast<double>(x) * x * x;
    m4 += static_cast<double>(x) * x * x * x;
    beyond2 += std::fabs(x) > 2.0f;
    beyond3 += std::fabs(x) > 3.0f;
  }
  m1 /= kN, m2 /= kN, m3 /= kN, m4 /= kN;
  EXPECT_NEAR(m1, 0.0, 0.005);  // standard error 0.0007
  EXPECT_NEAR(m2, 1.0, 0.01);
  EXPECT_NEAR(m3, 0.0, 0.02);
  EXPECT_NEAR(m4, 3.0, 0.05);
  EXPECT_NEAR(static_cast<double>(beyond2) / kN, 0.0455, 0.001);
  EXPECT_NEAR(static_cast<double>(beyond3) / kN, 0.0027, 0.0002);
}

}  // namespace
}  // namespace coagent
