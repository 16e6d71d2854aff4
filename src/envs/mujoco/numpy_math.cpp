// src/envs/mujoco/numpy_math.cpp — NumPy's sums, norms and squares (see numpy_math.hpp).
// Built with -ffp-contract=off: every operation is rounded where NumPy rounds it.
#include "envs/mujoco/numpy_math.hpp"

#include <array>
#include <cmath>
#include <vector>

namespace coagent::envs {
namespace {

template <class T>
T pairwise_sum(const T* a, std::size_t n) noexcept {
  if (n < 8) {
    T res = T(-0.0);
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    std::array<T, 8> r;
    for (std::size_t j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (std::size_t j = 0; j < 8; ++j) r[j] += a[i + j];
    T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

}  // namespace

float numpy_sum(std::span<const float> a) noexcept { return pairwise_sum(a.data(), a.size()); }
double numpy_sum(std::span<const double> a) noexcept { return pairwise_sum(a.data(), a.size()); }

float numpy_sum_of_squares(std::span<const float> a) noexcept {
  std::array<float, 64> small{};
  std::vector<float> large;
  float* sq = small.data();
  if (a.size() > small.size()) {
    large.resize(a.size());
    sq = large.data();
  }
  for (std::size_t i = 0; i < a.size(); ++i) sq[i] = a[i] * a[i];
  return pairwise_sum(sq, a.size());
}

double numpy_norm(std::span<const double> x) noexcept {
  double s = 0.0;
  for (double v : x) s = std::fma(v, v, s);
  return std::sqrt(s);
}

double numpy_power2(double x) noexcept {
  static volatile double two = 2.0;  // opaque: pow(x, 2.0) must stay a call to libm's pow
  return std::pow(x, two);
}

}  // namespace coagent::envs
