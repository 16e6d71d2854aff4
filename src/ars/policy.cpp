// src/ars/policy.cpp — ARS's policy network, observation statistics and update step
// (see policy.hpp). Pure functions over plain data.
#include "ars/policy.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace coagent::ars {

std::size_t PolicyShape::parameter_count() const noexcept {
  std::size_t n = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l)
    n += static_cast<std::size_t>(widths[l] + 1) * static_cast<std::size_t>(widths[l + 1]);
  return n;
}

int PolicyShape::max_width() const noexcept {
  return widths.empty() ? 0 : *std::max_element(widths.begin(), widths.end());
}

PolicyShape policy_shape(const ArsConfig& c, int obs_size, int action_size) {
  PolicyShape s;
  s.widths.push_back(obs_size);
  s.widths.insert(s.widths.end(), c.hidden.begin(), c.hidden.end());
  s.widths.push_back(action_size);
  s.activation = c.activation;
  s.squash = c.squash;
  return s;
}

std::vector<double> initial_parameters(const PolicyShape& s, bool zero, std::uint64_t seed) {
  std::vector<double> theta;
  theta.reserve(s.parameter_count());
  for (std::size_t l = 0; l + 1 < s.widths.size(); ++l) {
    const int in = s.widths[l], out = s.widths[l + 1];
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    Pcg32 rng(derive_seed(seed, kFamilyArsInit, l));
    for (int i = 0; i < (in + 1) * out; ++i)
      theta.push_back(zero ? 0.0 : rng.uniform(-bound, bound));
  }
  return theta;
}

void policy_forward(const PolicyShape& s, std::span<const double> theta,
                    std::span<const double> x, std::span<double> scratch,
                    std::span<double> out) noexcept {
  const std::size_t w = static_cast<std::size_t>(s.max_width());
  std::span<double> a = scratch.subspan(0, w), b = scratch.subspan(w, w);
  std::copy(x.begin(), x.end(), a.begin());
  std::size_t p = 0;
  const std::size_t layers = s.widths.size() - 1;
  for (std::size_t l = 0; l < layers; ++l) {
    const std::size_t in = static_cast<std::size_t>(s.widths[l]);
    const std::size_t n_out = static_cast<std::size_t>(s.widths[l + 1]);
    const double* W = theta.data() + p;
    const double* bias = W + in * n_out;
    const bool last = l + 1 == layers;
    for (std::size_t n = 0; n < n_out; ++n) {
      double z = bias[n];
      for (std::size_t i = 0; i < in; ++i) z += W[n * in + i] * a[i];
      if (last)
        b[n] = s.squash ? std::tanh(z) : std::clamp(z, -1.0, 1.0);
      else
        b[n] = s.activation == ArsActivation::tanh ? std::tanh(z) : std::max(z, 0.0);
    }
    p += (in + 1) * n_out;
    std::swap(a, b);
  }
  std::copy_n(a.begin(), out.size(), out.begin());
}

void normalise(const RunningStats& s, bool on, double clip, std::span<const double> obs,
               std::span<double> out) noexcept {
  for (std::size_t i = 0; i < obs.size(); ++i)
    out[i] = on ? std::clamp((obs[i] - s.mean[i]) / s.stddev(i), -clip, clip) : obs[i];
}

UpdateInfo ars_update(std::span<double> theta, std::span<const double> deltas,
                      std::span<const double> plus, std::span<const double> minus, int top,
                      double step) {
  const std::size_t n = plus.size(), p = theta.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::max(plus[a], minus[a]) > std::max(plus[b], minus[b]);
  });
  const std::size_t b = std::min(static_cast<std::size_t>(top), n);
  double sum = 0.0;
  for (std::size_t k = 0; k < b; ++k) sum += plus[order[k]] + minus[order[k]];
  const double mean = sum / static_cast<double>(2 * b);
  double ss = 0.0;
  for (std::size_t k = 0; k < b; ++k) {
    const double dp = plus[order[k]] - mean, dm = minus[order[k]] - mean;
    ss += dp * dp + dm * dm;
  }
  UpdateInfo info;
  info.return_std = std::sqrt(ss / static_cast<double>(2 * b - 1));  // unbiased, as torch
  info.step_size = step / (static_cast<double>(b) * info.return_std + 1e-6);
  for (std::size_t k = 0; k < b; ++k) {
    const std::size_t d = order[k];
    const double c = info.step_size * (plus[d] - minus[d]);
    const double* delta = deltas.data() + d * p;
    for (std::size_t j = 0; j < p; ++j) theta[j] += c * delta[j];
  }
  return info;
}

void unscale_action(const Box& bounds, std::span<const double> scaled,
                    std::span<double> action) noexcept {
  for (std::size_t i = 0; i < scaled.size(); ++i)
    action[i] = bounds.low[i] + (scaled[i] + 1.0) * 0.5 * (bounds.high[i] - bounds.low[i]);
}

}  // namespace coagent::ars
