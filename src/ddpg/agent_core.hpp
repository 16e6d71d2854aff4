// src/ddpg/agent_core.hpp — DDPG's state and update, in one precision T.
//
// DdpgCore<T> is plain data (public members, for serialisation and tests) plus the
// update as SB3's TD3 with policy_delay 1, no target-policy noise and one critic,
// which is DDPG:
//   critic:  y = r + gamma (1 - terminated) Q'(s', mu'(s'));  L_Q = mean (Q(s, a) - y)^2
//   actor:   L_mu = -mean Q(s, mu(s))   (backprop through the critic into the actor)
//   targets: theta' <- (1 - tau) theta' + tau theta, critic first, after both steps
// Observations are raw everywhere in this interface and normalised inside; actions
// are scaled ([-1, 1]). No threads, no I/O; not thread-safe (scratch is mutable).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "coagent/ddpg.hpp"
#include "coagent/random.hpp"
#include "mlp.hpp"
#include "coagent/running_stats.hpp"
#include "replay_buffer.hpp"

namespace coagent::ddpg {

// Stream families of the agent's random streams (see random.hpp).
inline constexpr std::uint64_t kFamilyDdpg = 0x6464706700000000ULL;  // "ddpg"
enum DdpgStream : std::uint64_t {
  kStreamActorInit = 1,
  kStreamCriticInit,
  kStreamExplore,
  kStreamReplay
};

template <class T>
class DdpgCore {
 public:
  DdpgCore(const DdpgConfig& cfg, int obs_size, int action_size, std::uint64_t seed);

  // Observation x (raw) -> normalised, clipped; columns are samples. Identity when
  // obs_norm is off.
  void normalize(Matrix<T>& x) const;
  // mu(s) for a raw observation, written as scaled actions.
  void policy(std::span<const double> obs, std::span<double> scaled) const;
  // The training-time scaled action (statistics update, warm-up, noise, clip).
  void explore(std::span<const double> obs, std::span<double> scaled);
  void observe(std::span<const double> obs, std::span<const double> scaled, double reward,
               std::span<const double> next_obs, bool terminated, bool truncated);
  void train_step();

  // The two losses on a batch whose observations are already normalised; with a
  // non-null `grad`, also the gradient with respect to the critic's (actor's)
  // parameters. Neither changes any parameter.
  T critic_loss(const ReplayBatch<T>& batch, Vector<T>* grad) const;
  T actor_loss(const ReplayBatch<T>& batch, Vector<T>* grad) const;

  // Probes for one raw observation and scaled action.
  double critic_value(std::span<const double> obs, std::span<const double> scaled) const;
  std::vector<double> critic_action_gradient(std::span<const double> obs,
                                             std::span<const double> scaled) const;
  DdpgActorProbe actor_probe(std::span<const double> obs) const;

  void reset_actor(std::uint64_t seed);
  void reset_noise() noexcept { std::fill(ou_state.begin(), ou_state.end(), 0.0); }

  DdpgConfig cfg;
  int obs_size = 0;
  int action_size = 0;
  Mlp<T> actor, critic, actor_target, critic_target;
  Adam<T> actor_opt, critic_opt;
  ReplayBuffer<T> replay;
  RunningStats obs_stats;
  std::vector<double> ou_state;  // the OU process, scaled space
  Pcg32 explore_rng;             // warm-up actions and exploration noise
  Pcg32 replay_rng;              // batch sampling
  std::int64_t steps = 0;
  std::int64_t updates = 0;
  std::int64_t episodes = 0;

 private:
  // Scratch reused across calls (not part of the state).
  struct Scratch {
    MlpCache<T> actor, critic, actor_target, critic_target;
    Matrix<T> input, next_input, d_input, x, y, d_out;
    Vector<T> grad_actor, grad_critic;
    ReplayBatch<T> batch;
  };
  void load_observation(std::span<const double> obs, Matrix<T>& x) const;
  mutable Scratch s_;
  // Q([obs; action]) of the online critic, computed in the scratch (s_.input, s_.critic).
  template <class A>
  decltype(auto) critic_of(const Matrix<T>& obs, const A& action) const;
};

extern template class DdpgCore<float>;
extern template class DdpgCore<double>;

}  // namespace coagent::ddpg

namespace coagent {

// DdpgAgent's implementation: one core in the configured precision, plus the action
// bounds (the core works in scaled actions only).
struct DdpgAgent::Impl {
  std::variant<ddpg::DdpgCore<float>, ddpg::DdpgCore<double>> core;
  Box bounds;
};

namespace detail {
// The library's (and the tests') view of an agent's implementation.
struct DdpgAccess {
  static DdpgAgent::Impl& impl(DdpgAgent& a) noexcept { return *a.impl_; }
  static const DdpgAgent::Impl& impl(const DdpgAgent& a) noexcept { return *a.impl_; }
};
}  // namespace detail

namespace ddpg {
// Throws std::invalid_argument unless `b` has as many low as high values, at least
// one, all finite with low < high (agent.cpp; the loader in agent_io.cpp uses it too).
void check_action_bounds(const Box& b);
}  // namespace ddpg

}  // namespace coagent
