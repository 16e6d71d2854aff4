// coagent/random.hpp — the per-neuron and per-environment random stream.
//
// Every environment owns one Pcg32 stream, and every neuron draws its initial
// weights from one, seeded from (run seed, layer, index); there is no global RNG. A
// neuron's exploration noise is counter-based (philox4x32_10 below), keyed by
// (seed, layer) and counted by (neuron, environment, episode, step). PCG32 (O'Neill 2014) is used
// instead of std::mt19937 because a neuron's stream must be small (16 bytes, not
// 2.5 KB: a `wide` network has 3,000 neurons), cheap to copy into a checkpoint, and
// its Gaussian draw must not hide a cached second value the way
// std::normal_distribution does (that would make checkpoints incomplete).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace coagent {

// SplitMix64 finaliser: turns structured seeds (seed, layer, index) into
// well-mixed 64-bit values.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Derives the seed of stream `index` of `family` from a run seed.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t family,
                                    std::uint64_t index) noexcept {
  return mix64(mix64(mix64(seed) ^ family) ^ index);
}

// PCG-XSH-RR 64/32. Not thread-safe: one owner per stream.
class Pcg32 {
 public:
  Pcg32() noexcept { seed(0); }
  explicit Pcg32(std::uint64_t s) noexcept { seed(s); }

  void seed(std::uint64_t s) noexcept {
    inc_ = (mix64(s ^ 0xda3e39cb94b95bdbULL) << 1u) | 1u;
    state_ = 0;
    next_u32();
    state_ += mix64(s);
    next_u32();
  }

  std::uint32_t next_u32() noexcept {
    const std::uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    const auto xorshifted = static_cast<std::uint32_t>(((old >> 18u) ^ old) >> 27u);
    const auto rot = static_cast<std::uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept {
    const std::uint64_t hi = next_u32() >> 5;  // 27 bits
    const std::uint64_t lo = next_u32() >> 6;  // 26 bits
    return static_cast<double>((hi << 26) | lo) * 0x1.0p-53;
  }

  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }

  // Standard normal by Box–Muller (cosine branch only, so no hidden state).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  std::uint64_t state() const noexcept { return state_; }
  std::uint64_t increment() const noexcept { return inc_; }
  void restore(std::uint64_t state, std::uint64_t increment) noexcept {
    state_ = state;
    inc_ = increment | 1u;
  }
  friend bool operator==(const Pcg32&, const Pcg32&) = default;

 private:
  std::uint64_t state_ = 0;
  std::uint64_t inc_ = 1;
};

// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11, "Parallel random numbers: as
// easy as 1, 2, 3"; the Random123 reference): a keyed bijection of a 128-bit counter,
// so a draw is a pure function of (key, counter) and needs no state. The neurons'
// exploration noise uses it, vectorised across a block of neurons (kernels.inc); this
// scalar form is the reference the tests check against Random123's known answers.
inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

constexpr std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c,
                                                     std::array<std::uint32_t, 2> k) noexcept {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c[2];
    c = {static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
         static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
  }
  return c;
}

// Stream families, so that neuron and environment streams never collide.
inline constexpr std::uint64_t kFamilyNeuron = 0x6e6575726f6e0000ULL;  // + layer
inline constexpr std::uint64_t kFamilyEnv = 0x656e760000000000ULL;
inline constexpr std::uint64_t kFamilyEval = 0x6576616c00000000ULL;
inline constexpr std::uint64_t kFamilyCritic = 0x6372697400000000ULL;
inline constexpr std::uint64_t kFamilySchedule = 0x7363686500000000ULL;  // + env
inline constexpr std::uint64_t kFamilyNoise = 0x6e6f697365000000ULL;    // + layer
inline constexpr std::uint64_t kFamilyFeedback = 0x6662000000000000ULL;  // + layer
inline constexpr std::uint64_t kFamilyArsInit = 0x6172736900000000ULL;     // + layer
inline constexpr std::uint64_t kFamilyArsDirections = 0x6172736400000000ULL;
inline constexpr std::uint64_t kFamilyArsRollout = 0x6172737200000000ULL;

}  // namespace coagent
