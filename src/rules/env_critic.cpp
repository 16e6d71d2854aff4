// src/rules/env_critic.cpp — the broadcast critic's arithmetic (no threads, no I/O).
#include "coagent/env_critic.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "coagent/random.hpp"

namespace coagent {

EnvCritic::EnvCritic(const EnvCriticSettings& s, int inputs, int envs, std::uint64_t seed)
    : s_(s), inputs_(inputs), envs_(envs) {
  if (s.features < 1 || inputs < 1 || envs < 1 || !(s.bandwidth > 0.0) || s.actions < 0 ||
      s.actions > kMaxGradActions)
    throw std::invalid_argument("env critic: features, inputs, envs and bandwidth must be positive, "
                                "actions in [0, " + std::to_string(kMaxGradActions) + "]");
  const std::size_t M = static_cast<std::size_t>(s.features);
  omega_.resize(M * static_cast<std::size_t>(inputs));
  phase_.resize(M);
  Pcg32 rng(derive_seed(seed, kFamilyCritic, 0));
  for (auto& w : omega_) w = static_cast<float>(rng.normal() / s.bandwidth);
  for (auto& p : phase_) p = static_cast<float>(rng.uniform(0.0, 2.0 * std::numbers::pi));
  u_.assign(M, 0.0f);
  w_.assign(M * static_cast<std::size_t>(s.actions), 0.0f);
  e_.assign(M * static_cast<std::size_t>(envs), 0.0f);
  f_.assign(M * static_cast<std::size_t>(envs), 0.0f);
  scratch_.assign(M, 0.0f);
}

void EnvCritic::features(std::span<const float> v, float* out) const {
  const int M = s_.features;
  const float norm = static_cast<float>(std::sqrt(2.0 / M));
  for (int i = 0; i < M; ++i) {
    const float* w = &omega_[static_cast<std::size_t>(i) * inputs_];
    float z = phase_[i];
    for (int d = 0; d < inputs_; ++d) z += w[d] * v[d];
    out[i] = norm * std::cos(z);
  }
}

double EnvCritic::value(std::span<const float> v) const {
  std::vector<float> f(static_cast<std::size_t>(s_.features));
  features(v, f.data());
  double sum = 0.0;
  for (int i = 0; i < s_.features; ++i) sum += static_cast<double>(u_[i]) * f[i];
  return sum;
}

void EnvCritic::begin(int env, std::span<const float> v0) {
  const std::size_t off = static_cast<std::size_t>(env) * s_.features;
  features(v0, &f_[off]);
  std::fill(e_.begin() + static_cast<std::ptrdiff_t>(off),
            e_.begin() + static_cast<std::ptrdiff_t>(off + s_.features), 0.0f);
}

float EnvCritic::step(int env, std::span<const float> v1, float reward, bool terminated,
                      const float* xi, float* grad) {
  const int M = s_.features;
  const std::size_t off = static_cast<std::size_t>(env) * M;
  float* f0 = &f_[off];
  float* e = &e_[off];
  float* f1 = scratch_.data();
  features(v1, f1);
  float v_now = 0.0f, v_next = 0.0f;
  for (int i = 0; i < M; ++i) {
    v_now += u_[i] * f0[i];
    v_next += u_[i] * f1[i];
  }
  const float gamma = static_cast<float>(s_.gamma);
  const float delta = reward + (terminated ? 0.0f : gamma * v_next) - v_now;
  if (s_.actions > 0 && xi) learn_action_gradient(f0, xi, delta, grad);
  const float decay = gamma * static_cast<float>(s_.lambda);
  const float a = static_cast<float>(s_.alpha) * delta;
  for (int i = 0; i < M; ++i) {
    e[i] = decay * e[i] + f0[i];
    u_[i] += a * e[i];
    f0[i] = f1[i];
  }
  return delta;
}

void EnvCritic::learn_action_gradient(const float* f0, const float* xi, float delta,
                                      float* grad) {
  const int M = s_.features;
  float g[kMaxGradActions] = {};
  float predicted = 0.0f;
  for (int k = 0; k < s_.actions; ++k) {
    const float* w = &w_[static_cast<std::size_t>(k) * M];
    for (int i = 0; i < M; ++i) g[k] += w[i] * f0[i];
    predicted += xi[k] * g[k];
  }
  const float err = static_cast<float>(s_.alpha_action) * (delta - predicted);
  for (int k = 0; k < s_.actions; ++k) {
    float* w = &w_[static_cast<std::size_t>(k) * M];
    const float step = err * xi[k];
    float gk = 0.0f;
    for (int i = 0; i < M; ++i) {
      w[i] += step * f0[i];
      gk += w[i] * f0[i];
    }
    if (grad) grad[k] = gk;
  }
}

}  // namespace coagent
