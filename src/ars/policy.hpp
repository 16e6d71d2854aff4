// src/ars/policy.hpp — ARS's math, pure: the policy network over a flat parameter
// vector, the running observation statistics (V2) and the update step. Plain data and
// plain functions, no threads, no I/O; the random stream is passed in. The running
// observation statistics are coagent/running_stats.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "coagent/ars.hpp"
#include "coagent/random.hpp"
#include "coagent/running_stats.hpp"

namespace coagent::ars {

// A policy's layout: widths input, hidden..., output; every layer's W (row-major,
// out x in: row n is neuron n's incoming weights) then its b.
struct PolicyShape {
  std::vector<int> widths;
  ArsActivation activation = ArsActivation::tanh;
  bool squash = true;

  std::size_t parameter_count() const noexcept;
  int max_width() const noexcept;
};

PolicyShape policy_shape(const ArsConfig& c, int obs_size, int action_size);

// PyTorch's nn.Linear initialisation, W and b ~ U(+-1/sqrt(fan_in)), layer l from the
// stream derive_seed(seed, kFamilyArsInit, l); all zeros with `zero`.
std::vector<double> initial_parameters(const PolicyShape& s, bool zero, std::uint64_t seed);

// The scaled action in [-1, 1] for the (normalised) input `x`. `scratch` holds at
// least 2 * max_width() values.
void policy_forward(const PolicyShape& s, std::span<const double> theta,
                    std::span<const double> x, std::span<double> scratch,
                    std::span<double> out) noexcept;

// (obs - mean) / std, clipped to +-clip; the identity when `on` is false.
void normalise(const RunningStats& s, bool on, double clip, std::span<const double> obs,
               std::span<double> out) noexcept;

// What one update did.
struct UpdateInfo {
  double return_std = 0.0;  // sigma_R over the 2 * top selected returns
  double step_size = 0.0;   // step / (top * sigma_R + 1e-6)
};

// The ARS step: ranks the directions by max(r+, r-) (ties: the lower index first),
// keeps the best `top`, and moves theta by step_size * sum (r+ - r-) delta.
// `deltas` holds plus.size() directions of theta.size() values each, one after another.
UpdateInfo ars_update(std::span<double> theta, std::span<const double> deltas,
                      std::span<const double> plus, std::span<const double> minus, int top,
                      double step);

// The environment's action for a scaled one: low + (a + 1) / 2 * (high - low).
void unscale_action(const Box& bounds, std::span<const double> scaled,
                    std::span<double> action) noexcept;

}  // namespace coagent::ars
