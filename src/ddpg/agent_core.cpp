// src/ddpg/agent_core.cpp — DDPG's update and probes (see agent_core.hpp).
#include "agent_core.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace coagent::ddpg {

namespace {

std::vector<int> net_widths(int in, const std::vector<int>& hidden, int out) {
  std::vector<int> w{in};
  w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(out);
  return w;
}

AdamSettings adam_settings(const DdpgConfig& c, double lr) {
  return {.lr = lr, .beta1 = c.adam_beta1, .beta2 = c.adam_beta2, .eps = c.adam_eps};
}

// dst = [top; bottom] (a critic input: observations over actions), column by column.
template <class M, class A, class B>
void stack_rows(M& dst, const A& top, const B& bottom) {
  dst.resize(top.rows() + bottom.rows(), top.cols());
  dst.topRows(top.rows()) = top;
  dst.bottomRows(bottom.rows()) = bottom;
}

}  // namespace

template <class T>
template <class A>
decltype(auto) DdpgCore<T>::critic_of(const Matrix<T>& obs, const A& action) const {
  stack_rows(s_.input, obs, action);
  critic.forward(s_.input, s_.critic);
  return s_.critic.output();
}

template <class T>
DdpgCore<T>::DdpgCore(const DdpgConfig& c, int obs_n, int act_n, std::uint64_t seed)
    : cfg(c), obs_size(obs_n), action_size(act_n), obs_stats(static_cast<std::size_t>(std::max(obs_n, 0))),
      ou_state(static_cast<std::size_t>(std::max(act_n, 0)), 0.0),
      explore_rng(derive_seed(seed, kFamilyDdpg, kStreamExplore)),
      replay_rng(derive_seed(seed, kFamilyDdpg, kStreamReplay)) {
  cfg.validate();
  if (obs_n < 1 || obs_n > 65536)
    throw std::invalid_argument("ddpg: observation size " + std::to_string(obs_n) +
                                " is out of range, expected [1, 65536]");
  if (act_n < 1 || act_n > 65536)
    throw std::invalid_argument("ddpg: action size " + std::to_string(act_n) +
                                " is out of range, expected [1, 65536]");
  Pcg32 actor_rng(derive_seed(seed, kFamilyDdpg, kStreamActorInit));
  Pcg32 critic_rng(derive_seed(seed, kFamilyDdpg, kStreamCriticInit));
  actor = Mlp<T>(net_widths(obs_n, cfg.actor_hidden, act_n), Activation::tanh, actor_rng);
  critic = Mlp<T>(net_widths(obs_n + act_n, cfg.critic_hidden, 1), Activation::identity,
                  critic_rng);
  actor_target = actor;
  critic_target = critic;
  actor_opt = Adam<T>(actor.num_parameters(), adam_settings(cfg, cfg.actor_lr));
  critic_opt = Adam<T>(critic.num_parameters(), adam_settings(cfg, cfg.critic_lr));
  replay = ReplayBuffer<T>(cfg.buffer_size, obs_n, act_n);
}

template <class T>
void DdpgCore<T>::reset_actor(std::uint64_t seed) {
  Pcg32 rng(derive_seed(seed, kFamilyDdpg, kStreamActorInit));
  actor.initialize(rng);
  actor_target = actor;
  actor_opt.reset();
}

template <class T>
void DdpgCore<T>::normalize(Matrix<T>& x) const {
  if (!cfg.obs_norm) return;
  const T clip = static_cast<T>(cfg.obs_clip);
  for (Index i = 0; i < x.rows(); ++i) {
    const T mean = static_cast<T>(obs_stats.mean[i]);
    const T sd = static_cast<T>(obs_stats.stddev(i));
    x.row(i) = ((x.row(i).array() - mean) / sd).cwiseMax(-clip).cwiseMin(clip).matrix();
  }
}

template <class T>
void DdpgCore<T>::load_observation(std::span<const double> obs, Matrix<T>& x) const {
  x.resize(obs_size, 1);
  for (int i = 0; i < obs_size; ++i) x(i, 0) = static_cast<T>(obs[i]);
  normalize(x);
}

template <class T>
void DdpgCore<T>::policy(std::span<const double> obs, std::span<double> scaled) const {
  load_observation(obs, s_.x);
  actor.forward(s_.x, s_.actor);
  for (int i = 0; i < action_size; ++i) scaled[i] = static_cast<double>(s_.actor.output()(i, 0));
}

template <class T>
void DdpgCore<T>::explore(std::span<const double> obs, std::span<double> scaled) {
  if (cfg.obs_norm) obs_stats.update(obs);
  if (steps < cfg.learning_starts) {
    for (int i = 0; i < action_size; ++i) scaled[i] = explore_rng.uniform(-1.0, 1.0);
  } else {
    policy(obs, scaled);
  }
  for (int i = 0; i < action_size; ++i) {
    double noise = 0.0;
    switch (cfg.noise) {
      case DdpgNoise::none: break;
      case DdpgNoise::gaussian: noise = cfg.noise_std * explore_rng.normal(); break;
      case DdpgNoise::ou:
        ou_state[i] += cfg.ou_theta * (0.0 - ou_state[i]) * cfg.ou_dt +
                       cfg.noise_std * std::sqrt(cfg.ou_dt) * explore_rng.normal();
        noise = ou_state[i];
        break;
    }
    scaled[i] = std::clamp(scaled[i] + noise, -1.0, 1.0);
  }
}

template <class T>
void DdpgCore<T>::observe(std::span<const double> obs, std::span<const double> scaled,
                          double reward, std::span<const double> next_obs, bool terminated,
                          bool truncated) {
  replay.add(obs, scaled, reward, next_obs, terminated);
  ++steps;
  if (terminated || truncated) {
    ++episodes;
    reset_noise();
  }
  if (steps > cfg.learning_starts && steps % cfg.train_freq == 0)
    for (std::int64_t k = 0; k < cfg.gradient_steps; ++k) train_step();
}

template <class T>
void DdpgCore<T>::train_step() {
  if (replay.size() == 0) throw std::logic_error("ddpg: train_step with an empty replay buffer");
  ReplayBatch<T>& b = s_.batch;
  replay.sample(cfg.batch_size, replay_rng, b);
  normalize(b.obs);
  normalize(b.next_obs);
  critic_loss(b, &s_.grad_critic);
  critic_opt.step(critic.parameters(), s_.grad_critic);
  actor_loss(b, &s_.grad_actor);  // through the critic just updated, as SB3
  actor_opt.step(actor.parameters(), s_.grad_actor);
  soft_update(critic_target.parameters(), critic.parameters(), cfg.tau);
  soft_update(actor_target.parameters(), actor.parameters(), cfg.tau);
  ++updates;
}

template <class T>
T DdpgCore<T>::critic_loss(const ReplayBatch<T>& b, Vector<T>* grad) const {
  const Index n = b.obs.cols();
  // y = r + gamma (1 - terminated) Q'(s', mu'(s')), no gradient through it.
  actor_target.forward(b.next_obs, s_.actor_target);
  stack_rows(s_.next_input, b.next_obs, s_.actor_target.output());
  critic_target.forward(s_.next_input, s_.critic_target);
  const T gamma = static_cast<T>(cfg.gamma);
  s_.y = b.reward + gamma * b.not_terminated.cwiseProduct(s_.critic_target.output());

  s_.d_out = critic_of(b.obs, b.action) - s_.y;  // Q - y
  const T loss = s_.d_out.squaredNorm() / static_cast<T>(n);
  if (grad) {
    s_.d_out *= T(2) / static_cast<T>(n);
    critic.backward(s_.critic, s_.d_out, grad, nullptr);
  }
  return loss;
}

template <class T>
T DdpgCore<T>::actor_loss(const ReplayBatch<T>& b, Vector<T>* grad) const {
  const Index n = b.obs.cols();
  actor.forward(b.obs, s_.actor);
  const T loss = -critic_of(b.obs, s_.actor.output()).sum() / static_cast<T>(n);
  if (grad) {
    s_.d_out.setConstant(1, n, T(-1) / static_cast<T>(n));
    critic.backward(s_.critic, s_.d_out, nullptr, &s_.d_input);  // no critic weight gradient
    actor.backward(s_.actor, s_.d_input.bottomRows(action_size), grad, nullptr);
  }
  return loss;
}

template <class T>
double DdpgCore<T>::critic_value(std::span<const double> obs,
                                 std::span<const double> scaled) const {
  load_observation(obs, s_.x);
  s_.input.resize(obs_size + action_size, 1);
  s_.input.topRows(obs_size) = s_.x;
  for (int i = 0; i < action_size; ++i) s_.input(obs_size + i, 0) = static_cast<T>(scaled[i]);
  critic.forward(s_.input, s_.critic);
  return static_cast<double>(s_.critic.output()(0, 0));
}

template <class T>
std::vector<double> DdpgCore<T>::critic_action_gradient(std::span<const double> obs,
                                                        std::span<const double> scaled) const {
  critic_value(obs, scaled);
  s_.d_out.setOnes(1, 1);
  critic.backward(s_.critic, s_.d_out, nullptr, &s_.d_input);
  std::vector<double> g(action_size);
  for (int i = 0; i < action_size; ++i) g[i] = static_cast<double>(s_.d_input(obs_size + i, 0));
  return g;
}

template <class T>
DdpgActorProbe DdpgCore<T>::actor_probe(std::span<const double> obs) const {
  DdpgActorProbe p;
  load_observation(obs, s_.x);
  actor.forward(s_.x, s_.actor);
  stack_rows(s_.input, s_.x, s_.actor.output());
  critic.forward(s_.input, s_.critic);
  p.q = static_cast<double>(s_.critic.output()(0, 0));
  s_.d_out.setOnes(1, 1);
  critic.backward(s_.critic, s_.d_out, nullptr, &s_.d_input);
  actor.backward(s_.actor, s_.d_input.bottomRows(action_size), &s_.grad_actor, nullptr);
  for (int i = 0; i < action_size; ++i) {
    p.scaled_action.push_back(static_cast<double>(s_.actor.output()(i, 0)));
    p.dq_daction.push_back(static_cast<double>(s_.d_input(obs_size + i, 0)));
  }
  auto to_vec = [](const auto& m) {
    std::vector<double> v(static_cast<std::size_t>(m.size()));
    for (Index i = 0; i < m.size(); ++i) v[static_cast<std::size_t>(i)] = static_cast<double>(m(i));
    return v;
  };
  for (int l = 0; l < actor.num_layers(); ++l) {
    DdpgActorLayerProbe layer;
    layer.fan_in = actor.widths()[l];
    layer.width = actor.widths()[l + 1];
    layer.input = to_vec(s_.actor.a[l]);
    layer.pre_activation = to_vec(s_.actor.z[l]);
    layer.activation = to_vec(s_.actor.a[l + 1]);
    const auto gw = actor.weight_in(s_.grad_actor, l);
    layer.dq_dweight.resize(static_cast<std::size_t>(gw.size()));
    for (Index n = 0; n < gw.rows(); ++n)
      for (Index i = 0; i < gw.cols(); ++i)
        layer.dq_dweight[static_cast<std::size_t>(n * gw.cols() + i)] =
            static_cast<double>(gw(n, i));
    layer.dq_dbias = to_vec(actor.bias_in(s_.grad_actor, l));
    p.layers.push_back(std::move(layer));
  }
  return p;
}

template class DdpgCore<float>;
template class DdpgCore<double>;

}  // namespace coagent::ddpg
