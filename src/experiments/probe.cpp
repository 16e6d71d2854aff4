// src/experiments/probe.cpp — the gradient-alignment probe (docs/design.md §4, Theorem 2.2.4):
// local critics that learn beside DDPG, and their step directions against the true
// gradient by backprop through the current critic (see probe.hpp, experiments.hpp).
#include "experiments/probe.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "ddpg/agent_core.hpp"

namespace coagent {

void ProbeConfig::validate() const {
  ddpg.validate();
  auto check_int = [](std::string_view what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
      throw std::invalid_argument(fmt::format(
          "exp1 {}: {} is out of range, expected an integer in [{}, {}]", what, v, lo, hi));
  };
  auto check_value = [](std::string_view what, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi))
      throw std::invalid_argument(fmt::format(
          "exp1 {}: {} is out of range, expected a value in [{}, {}]", what, v, lo, hi));
  };
  check_int("probe-steps", steps, 1, std::int64_t{1} << 40);
  check_int("probe-every", every, 1, std::int64_t{1} << 40);
  check_int("probe-states", probe_states, 1, 1 << 20);
  check_int("eval-episodes", eval_episodes, 1, 10000);
  check_value("probe-alpha-critic", alpha_critic, 0.0, 1.0);
  check_value("probe-alpha-value", alpha_value, 0.0, 1.0);
  check_value("probe-hidden-noise", hidden_noise, 0.0, 100.0);
}

namespace experiments {

LocalCriticLayer::LocalCriticLayer(int fan_in_, int width_)
    : fan_in(fan_in_), width(width_), th_v(MatrixD::Zero(width_, fan_in_)),
      th_a(VectorD::Zero(width_)), c(VectorD::Zero(width_)),
      w(MatrixD::Zero(width_, fan_in_ + 1)), u(MatrixD::Zero(width_, fan_in_ + 1)) {}

void LocalCriticLayer::learn(const NeuronFrame& now, const VectorD& v_next, const VectorD& y_next,
                             double reward, bool terminated, double gamma, double alpha_critic,
                             double alpha_value) {
  const double g = terminated ? 0.0 : gamma;
  VectorD vb(fan_in + 1), vb_next(fan_in + 1);
  vb << now.v, 1.0;
  vb_next << v_next, 1.0;
  // linear
  {
    const VectorD q = th_v * now.v + th_a.cwiseProduct(now.a) + c;
    const VectorD q_next = th_v * v_next + th_a.cwiseProduct(y_next) + c;
    const VectorD delta = (reward + g * q_next.array() - q.array()).matrix();
    th_v.noalias() += alpha_critic * delta * now.v.transpose();
    th_a += alpha_critic * delta.cwiseProduct(now.a);
    c += alpha_critic * delta;
  }
  // compatible
  {
    const VectorD phi_w = now.sp.cwiseProduct(w * vb);
    const VectorD q = now.xi.cwiseProduct(phi_w) + u * vb;
    const VectorD value_next = u * vb_next;
    const VectorD delta = (reward + g * value_next.array() - q.array()).matrix();
    const VectorD gw = alpha_critic * delta.cwiseProduct(now.xi).cwiseProduct(now.sp);
    w.noalias() += gw * vb.transpose();
    u.noalias() += (alpha_value * delta) * vb.transpose();
  }
}

double LocalCriticLayer::credit(Rule rule, int n, const VectorD& v, double sp) const {
  if (rule == Rule::linear) return th_a(n);
  return sp * (w.row(n).head(fan_in).dot(v) + w(n, fan_in));
}

std::vector<ProbePoint> probe_alignment(const DdpgAgent& agent,
                                        const std::vector<LocalCriticLayer>& critics,
                                        const States& states, std::int64_t step) {
  const std::vector<int> widths = agent.actor_widths();
  const int layers = static_cast<int>(widths.size()) - 1;
  if (static_cast<int>(critics.size()) != layers)
    throw std::invalid_argument("probe: the local critics do not match the actor's layers");
  constexpr Rule kRules[2] = {Rule::linear, Rule::compatible};
  std::vector<MatrixD> true_sum(layers);
  std::vector<MatrixD> local_sum[2];
  std::vector<std::int64_t> pairs[2], agree[2];
  for (int r = 0; r < 2; ++r) {
    local_sum[r].resize(layers);
    pairs[r].assign(layers, 0);
    agree[r].assign(layers, 0);
  }
  for (int l = 0; l < layers; ++l) {
    true_sum[l] = MatrixD::Zero(widths[l + 1], widths[l] + 1);
    for (auto& s : local_sum) s[l] = true_sum[l];
  }
  VectorD g, d, vb;
  for (const auto& s : states) {
    const DdpgActorProbe p = agent.actor_probe(s);
    for (int l = 0; l < layers; ++l) {
      const DdpgActorLayerProbe& lp = p.layers[l];
      const int fan_in = lp.fan_in;
      const VectorD v = Eigen::Map<const VectorD>(lp.input.data(), fan_in);
      vb.resize(fan_in + 1);
      vb << v, 1.0;
      g.resize(fan_in + 1);
      for (int n = 0; n < lp.width; ++n) {
        for (int i = 0; i < fan_in; ++i) g(i) = lp.dq_dweight[static_cast<std::size_t>(n) * fan_in + i];
        g(fan_in) = lp.dq_dbias[n];
        true_sum[l].row(n) += g.transpose();
        const double sp = l + 1 == layers ? 1.0 - lp.activation[n] * lp.activation[n]
                                          : (lp.pre_activation[n] > 0.0 ? 1.0 : 0.0);
        const bool has_gradient = g.squaredNorm() > 0.0;
        for (int r = 0; r < 2; ++r) {
          d = (sp * critics[l].credit(kRules[r], n, v, sp)) * vb;
          local_sum[r][l].row(n) += d.transpose();
          if (has_gradient && d.squaredNorm() > 0.0) {
            ++pairs[r][l];
            if (d.dot(g) > 0.0) ++agree[r][l];
          }
        }
      }
    }
  }
  std::vector<ProbePoint> points;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (int r = 0; r < 2; ++r)
    for (int l = 0; l < layers; ++l) {
      ProbePoint pt{.step = step, .rule = kRules[r], .layer = l};
      double cos_sum = 0.0;
      int with_signal = 0;
      for (int n = 0; n < widths[l + 1]; ++n) {
        const double gn = true_sum[l].row(n).norm();
        if (!(gn > 0.0)) continue;
        ++pt.neurons;
        const double dn = local_sum[r][l].row(n).norm();
        if (dn > 0.0) {
          ++with_signal;
          cos_sum += true_sum[l].row(n).dot(local_sum[r][l].row(n)) / (gn * dn);
        }
      }
      pt.cosine = pt.neurons > 0 ? cos_sum / pt.neurons : kNaN;
      pt.signal_fraction = pt.neurons > 0 ? static_cast<double>(with_signal) / pt.neurons : kNaN;
      pt.sign_agreement = pairs[r][l] > 0 ? static_cast<double>(agree[r][l]) / pairs[r][l] : kNaN;
      points.push_back(pt);
    }
  return points;
}

namespace {

using ddpg::DdpgCore;
using ddpg::Matrix;

// The actor's layers at one raw observation, in double precision, as the neurons see
// them: hidden voltages perturbed by N(0, noise^2) when `rng` is given.
template <class T>
void actor_frames(const DdpgCore<T>& core, std::span<const double> obs, double noise, Pcg32* rng,
                  std::vector<NeuronFrame>& frames) {
  Matrix<T> x(core.obs_size, 1);
  for (int i = 0; i < core.obs_size; ++i) x(i, 0) = static_cast<T>(obs[i]);
  core.normalize(x);
  VectorD a = x.col(0).template cast<double>();
  const int layers = core.actor.num_layers();
  frames.resize(layers);
  for (int l = 0; l < layers; ++l) {
    NeuronFrame& f = frames[l];
    f.v = a;
    const VectorD z = core.actor.weight(l).template cast<double>() * a +
                      core.actor.bias(l).template cast<double>();
    if (l + 1 == layers) {
      f.y = z.array().tanh().matrix();
      f.sp = (1.0 - f.y.array().square()).matrix();
    } else {
      f.y = z.cwiseMax(0.0);
      f.sp = (z.array() > 0.0).template cast<double>().matrix();
    }
    f.xi = VectorD::Zero(z.size());
    if (rng && l + 1 < layers)
      for (Eigen::Index i = 0; i < z.size(); ++i) f.xi(i) = noise * rng->normal();
    f.a = f.y + f.xi;
    a = f.a;
  }
}

template <class T>
void run_probe(const ProbeConfig& cfg, std::uint64_t seed, const DdpgAgent& agent,
               DdpgCore<T>& core, const States& probe, const std::atomic<bool>* stop,
               ProbeSeedResult& out) {
  auto env = make_named_env(cfg.env);
  const std::int64_t cap = episode_step_cap(*env);
  const std::vector<int> widths = core.actor.widths();
  const int layers = static_cast<int>(widths.size()) - 1;
  std::vector<LocalCriticLayer> critics;
  for (int l = 0; l < layers; ++l) critics.emplace_back(widths[l], widths[l + 1]);
  Pcg32 noise_rng(derive_seed(seed, kFamilyExp1, kStreamHiddenNoise));
  std::vector<double> obs(static_cast<std::size_t>(core.obs_size)), next(obs.size());
  std::vector<double> scaled(static_cast<std::size_t>(core.action_size));
  std::vector<NeuronFrame> now, clean, after;
  env->reset(seed, obs);
  std::int64_t length = 0;
  auto compare = [&](std::int64_t step) {
    for (const ProbePoint& p : probe_alignment(agent, critics, probe, step))
      out.points.push_back(p);
  };
  compare(0);
  for (std::int64_t step = 1; step <= cfg.steps; ++step) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    core.explore(obs, scaled);
    const bool perturb = cfg.hidden_noise > 0.0 && core.steps >= cfg.ddpg.learning_starts;
    actor_frames(core, obs, cfg.hidden_noise, perturb ? &noise_rng : nullptr, now);
    NeuronFrame& out_layer = now.back();
    if (perturb) {
      // The same exploration noise on top of the perturbed network's output.
      actor_frames(core, obs, 0.0, nullptr, clean);
      for (int i = 0; i < core.action_size; ++i)
        scaled[i] = std::clamp(scaled[i] - clean.back().y(i) + out_layer.y(i), -1.0, 1.0);
    }
    for (int i = 0; i < core.action_size; ++i) out_layer.a(i) = scaled[i];
    out_layer.xi = out_layer.a - out_layer.y;
    const StepResult r = env->step(agent.unscale_action(scaled), next);
    const bool truncated = r.truncated || ++length >= cap;
    actor_frames(core, next, 0.0, nullptr, after);  // the same actor as at s
    for (int l = 0; l < layers; ++l)
      critics[l].learn(now[l], after[l].v, after[l].y, r.reward, r.terminated, cfg.ddpg.gamma,
                       cfg.alpha_critic, cfg.alpha_value);
    core.observe(obs, scaled, r.reward, next, r.terminated, truncated);
    if (r.terminated || truncated) {
      env->reset(std::nullopt, obs);
      length = 0;
    } else {
      obs.swap(next);
    }
    if (step % cfg.every == 0 || step == cfg.steps) compare(step);
  }
}

}  // namespace
}  // namespace experiments

ProbeSeedResult run_gradient_probe(const ProbeConfig& cfg, std::uint64_t seed,
                                   const std::atomic<bool>* stop) {
  const auto t0 = std::chrono::steady_clock::now();
  ProbeSeedResult out;
  experiments::run_seed(cfg, seed, out, [&](DdpgAgent& agent, auto& core,
                                            const experiments::States& probe) {
    experiments::run_probe(cfg, seed, agent, core, probe, stop, out);
    const std::string name = cfg.env;
    out.eval_return =
        evaluate_ddpg(agent, [name] { return make_env(name); }, cfg.eval_episodes,
                      derive_seed(seed, experiments::kFamilyExp1, experiments::kStreamEval))
            .mean_return;
  });
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace coagent
