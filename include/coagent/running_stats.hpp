// coagent/running_stats.hpp — running mean and variance of observations (Welford):
// the observation normalisation of DDPG (SB3's VecNormalize), of ARS (V2, which also
// merges the statistics of parallel rollouts, Chan et al.) and of the local rules'
// obs-norm running (Network::observe).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace coagent {

// Before the first update: mean 0, std 1.
struct RunningStats {
  std::int64_t count = 0;
  std::vector<double> mean, m2;

  explicit RunningStats(std::size_t n = 0) : mean(n, 0.0), m2(n, 0.0) {}

  void update(std::span<const double> x) noexcept {
    ++count;
    const double n = static_cast<double>(count);
    for (std::size_t i = 0; i < mean.size(); ++i) {
      const double d = x[i] - mean[i];
      mean[i] += d / n;
      m2[i] += d * (x[i] - mean[i]);
    }
  }
  // Adds every observation `o` saw (exact up to rounding; the order fixes the bits).
  void merge(const RunningStats& o) noexcept {
    if (o.count == 0) return;
    if (count == 0) {
      *this = o;
      return;
    }
    const double na = static_cast<double>(count), nb = static_cast<double>(o.count);
    const double n = na + nb;
    for (std::size_t i = 0; i < mean.size(); ++i) {
      const double d = o.mean[i] - mean[i];
      mean[i] += d * nb / n;
      m2[i] += o.m2[i] + d * d * na * nb / n;
    }
    count += o.count;
  }
  // sqrt(population variance + 1e-8), as SB3's VecNormalize.
  double stddev(std::size_t i) const noexcept {
    if (count < 1) return 1.0;
    return std::sqrt(m2[i] / static_cast<double>(count) + 1e-8);
  }
};

}  // namespace coagent
