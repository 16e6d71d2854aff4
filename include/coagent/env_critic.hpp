// coagent/env_critic.hpp — the broadcast critic of rule `perturb` (docs/design.md §3.1).
//
// A linear value function of the environment state, V(s) = u . f(s), on M random
// Fourier features of the encoded observation,
//   f_i(s) = sqrt(2/M) cos(omega_i . s + phase_i),  omega_i ~ N(0, I / bandwidth^2),
// trained by TD(lambda) with accumulating traces, one trace per environment. Its TD
// error delta_t = r_t + gamma (1 - done_t) V(s_{t+1}) - V(s_t) is what every neuron
// receives (Thomas 2011: coagents that see their input, their output and a TD error
// broadcast by a critic). It reads the observation only, never the actor: no error
// flows back into the network.
//
// Rule dfa adds an action-gradient head (docs/design.md §3.3): per action dimension k
// a linear function g_k(s) = W_k . f(s) fitted by least mean squares to the TD error,
// delta_t ~ sum_k xi_k g_k(s_t), where xi is the output layer's exploration noise at
// t. Since delta_t estimates the advantage of a_t = mu(s_t) + xi_t, g estimates
// dQ/da(s_t): the critic's second broadcast.
//
// Plain data and plain functions: not thread-safe. The lockstep driver calls it from
// one thread; the async runtime holds a mutex around step() (see async_runtime.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "coagent/config.hpp"

namespace coagent {

// What the critic reads of a run's settings: env_critic_settings(cfg, A) builds it; its
// defaults are TrainConfig's (declared once, there).
struct EnvCriticSettings {
  int features = TrainConfig::defaults().critic_features;
  double bandwidth = TrainConfig::defaults().critic_bandwidth;
  double alpha = TrainConfig::defaults().alpha_env_critic;
  double lambda = TrainConfig::defaults().critic_lambda;
  double gamma = TrainConfig::defaults().gamma;
  int actions = 0;            // > 0: the action-gradient head (rule dfa)
  double alpha_action = TrainConfig::defaults().alpha_action_critic;
};

// The critic a run with these settings broadcasts from (rules perturb and dfa).
inline EnvCriticSettings env_critic_settings(const TrainConfig& c, int action_size) {
  return {c.critic_features, c.critic_bandwidth, c.alpha_env_critic, c.critic_lambda, c.gamma,
          rule_info(c.rule).action_gradient ? action_size : 0, c.alpha_action_critic};
}

class EnvCritic {
 public:
  EnvCritic() = default;
  // `inputs`: the encoded observation's length; `envs`: environments in flight.
  // The features are drawn from `seed` (the weights u start at 0).
  EnvCritic(const EnvCriticSettings& s, int inputs, int envs, std::uint64_t seed);

  // An episode of environment `env` starts in encoded state v0.
  void begin(int env, std::span<const float> v0);
  // Environment `env` moved to v1 with `reward` (already scaled); learns and returns
  // the TD error of the transition. With the action-gradient head, `xi` holds the
  // output noise of the transition's action (settings().actions values) and `grad`
  // receives g(s_t) after the head has learnt from it.
  float step(int env, std::span<const float> v1, float reward, bool terminated,
             const float* xi = nullptr, float* grad = nullptr);
  double value(std::span<const float> v) const;

  const EnvCriticSettings& settings() const noexcept { return s_; }
  int inputs() const noexcept { return inputs_; }
  int envs() const noexcept { return envs_; }
  // Learned state, for checkpoints: u, then per environment its trace and the
  // features of its current state.
  std::vector<float>& weights() noexcept { return u_; }
  const std::vector<float>& weights() const noexcept { return u_; }
  std::vector<float>& traces() noexcept { return e_; }
  const std::vector<float>& traces() const noexcept { return e_; }
  std::vector<float>& current_features() noexcept { return f_; }
  const std::vector<float>& current_features() const noexcept { return f_; }
  // The action-gradient head W (actions x features; empty without it).
  std::vector<float>& action_weights() noexcept { return w_; }
  const std::vector<float>& action_weights() const noexcept { return w_; }

 private:
  void features(std::span<const float> v, float* out) const;
  void learn_action_gradient(const float* f0, const float* xi, float delta, float* grad);
  EnvCriticSettings s_;
  int inputs_ = 0, envs_ = 0;
  std::vector<float> omega_, phase_;  // features x inputs, features
  std::vector<float> u_;              // features
  std::vector<float> w_;              // actions x features
  std::vector<float> e_, f_;          // envs x features each
  std::vector<float> scratch_;        // features (the next state's)
};

}  // namespace coagent
