// src/experiments/exp1.cpp — Experiment 1 (paper §4.1, §5.1; docs/design.md §4): DDPG with a
// sub-critic per actor layer trained on the same minibatches, then a fresh actor against
// the trained critic with fresh sub-critics; Pearson r between the time derivatives of
// the global and the local Q (see coagent/experiments.hpp for the exact definitions).
//
// The run drives DdpgCore directly (src/ddpg/agent_core.hpp) so that the sub-critics
// see DDPG's minibatches: the replay stream is copied before DdpgCore::observe, and
// every gradient step it takes is replayed on the copy, which draws the same indices.
// DDPG itself is untouched by the sub-critics.
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "coagent/experiments.hpp"
#include "ddpg/agent_core.hpp"
#include "experiments/common.hpp"
#include "experiments/sub_critic.hpp"

namespace coagent {

DdpgConfig exp1_default_ddpg() {
  DdpgConfig c;
  c.actor_hidden = {64, 64};
  c.critic_hidden = {64, 64};
  c.gamma = 0.99;
  c.learning_starts = 1000;
  c.batch_size = 128;
  c.noise = DdpgNoise::ou;
  c.noise_std = 0.5;  // RL Zoo's MountainCarContinuous-v0 setting
  return c;
}

namespace {

void check_steps(std::string_view what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi)
    throw std::invalid_argument(fmt::format(
        "exp1 {}: {} is out of range, expected an integer in [{}, {}]", what, v, lo, hi));
}

void check_value(std::string_view what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw std::invalid_argument(
        fmt::format("exp1 {}: {} is out of range, expected a value in [{}, {}]", what, v, lo, hi));
}

}  // namespace

void Exp1Config::validate() const {
  ddpg.validate();
  if (sub_critic_hidden.size() > 8)
    throw std::invalid_argument(fmt::format(
        "exp1 sub-critic-hidden: {} hidden layers, expected at most 8", sub_critic_hidden.size()));
  for (int w : sub_critic_hidden) check_steps("sub-critic-hidden", w, 1, 4096);
  check_value("sub-critic-lr", sub_critic_lr, 0.0, 10.0);
  check_steps("phase1-steps", phase1_steps, 1, std::int64_t{1} << 40);
  check_steps("phase2-steps", phase2_steps, 1, std::int64_t{1} << 40);
  check_steps("checkpoint-every", checkpoint_every, 1, std::int64_t{1} << 40);
  check_steps("probe-states", probe_states, 1, 1 << 20);
  check_steps("eval-episodes", eval_episodes, 1, 10000);
}

namespace {

using ddpg::DdpgCore;
using ddpg::Index;
using ddpg::Matrix;
using experiments::States;
using experiments::SubCritic;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
class Exp1Run {
 public:
  Exp1Run(const Exp1Config& cfg, std::uint64_t seed, const DdpgAgent& agent, DdpgCore<T>& core,
          const States& probe, const std::atomic<bool>* stop, Exp1SeedResult& out)
      : cfg_(cfg), seed_(seed), agent_(agent), core_(core), stop_(stop), out_(out),
        env_(experiments::make_named_env(cfg.env)),
        probe_(experiments::to_columns<T>(probe, core.obs_size)),
        obs_(static_cast<std::size_t>(core.obs_size)),
        next_(static_cast<std::size_t>(core.obs_size)),
        scaled_(static_cast<std::size_t>(core.action_size)) {
    widths_ = core.actor.widths();
    layers_ = static_cast<int>(widths_.size()) - 1;
    sub_settings_.hidden = cfg.sub_critic_hidden;
    sub_settings_.adam = {.lr = cfg.sub_critic_lr, .beta1 = cfg.ddpg.adam_beta1,
                          .beta2 = cfg.ddpg.adam_beta2, .eps = cfg.ddpg.adam_eps};
    sub_settings_.gamma = cfg.ddpg.gamma;
    sub_settings_.tau = cfg.ddpg.tau;
  }

  void run() {
    env_->reset(seed_, obs_);
    for (int phase = 1; phase <= 2; ++phase) {
      if (phase == 2) {
        core_.reset_actor(derive_seed(seed_, experiments::kFamilyExp1,
                                      experiments::kStreamPhase2Actor));
        core_.reset_noise();
        env_->reset(std::nullopt, obs_);
      }
      fresh_sub_critics(phase);
      if (!train_phase(phase, phase == 1 ? cfg_.phase1_steps : cfg_.phase2_steps)) return;
      training_r(phase);
      trajectory_r(phase);
    }
  }

 private:
  bool stopped() const { return stop_ && stop_->load(std::memory_order_relaxed); }

  void fresh_sub_critics(int phase) {
    subs_.clear();
    for (int l = 0; l < layers_; ++l)
      subs_.emplace_back(widths_[l] + widths_[l + 1], sub_settings_,
                         derive_seed(seed_, experiments::kFamilyExp1,
                                     experiments::kStreamSubCritic + 16 * phase + l));
  }

  // Layer l's sub-critic input [v_{l-1}; v_l] from an actor forward pass; `last` (if
  // given) replaces the output layer's activations (the action actually taken).
  void layer_input(const ddpg::MlpCache<T>& c, int l, const Matrix<T>* last, Matrix<T>& in) const {
    const Index n = c.a[0].cols();
    in.resize(widths_[l] + widths_[l + 1], n);
    in.topRows(widths_[l]) = c.a[l];
    in.bottomRows(widths_[l + 1]) = (last && l + 1 == layers_) ? *last : c.a[l + 1];
  }

  // The sub-critics' TD step on the minibatch DDPG just used.
  void train_sub_critics(const ddpg::ReplayBatch<T>& b) {
    core_.actor.forward(b.obs, cache_);
    core_.actor_target.forward(b.next_obs, target_cache_);
    for (int l = 0; l < layers_; ++l) {
      layer_input(cache_, l, &b.action, in_);
      layer_input(target_cache_, l, nullptr, next_in_);
      subs_[static_cast<std::size_t>(l)].update(in_, b.reward, b.not_terminated, next_in_);
    }
  }

  // Q^mu(s, mu(s)) and every Q^l(v_{l-1}(s), v_l(s)) for the columns of `raw`.
  void values_at(const Matrix<T>& raw, std::vector<double>& global,
                 std::vector<std::vector<double>>& local) {
    x_ = raw;
    core_.normalize(x_);
    core_.actor.forward(x_, cache_);
    in_.resize(core_.obs_size + core_.action_size, x_.cols());
    in_.topRows(core_.obs_size) = x_;
    in_.bottomRows(core_.action_size) = cache_.output();
    core_.critic.forward(in_, critic_cache_);
    const Index n = x_.cols();
    global.assign(static_cast<std::size_t>(n), 0.0);
    for (Index j = 0; j < n; ++j) global[j] = static_cast<double>(critic_cache_.output()(0, j));
    local.assign(static_cast<std::size_t>(layers_), std::vector<double>(n));
    for (int l = 0; l < layers_; ++l) {
      layer_input(cache_, l, nullptr, in_);
      const Matrix<T>& q = subs_[static_cast<std::size_t>(l)].values(in_);
      for (Index j = 0; j < n; ++j) local[l][j] = static_cast<double>(q(0, j));
    }
  }

  void checkpoint(int phase, std::int64_t step) {
    std::vector<double> global;
    std::vector<std::vector<double>> local;
    values_at(probe_, global, local);
    Exp1Checkpoint c{.phase = phase, .step = step};
    auto mean = [](const std::vector<double>& v) {
      double s = 0.0;
      for (double x : v) s += x;
      return v.empty() ? kNaN : s / static_cast<double>(v.size());
    };
    c.global_q = mean(global);
    for (const auto& q : local) c.local_q.push_back(mean(q));
    out_.checkpoints.push_back(std::move(c));
  }

  // Trains DDPG and the sub-critics for `steps` environment steps; false if stopped.
  bool train_phase(int phase, std::int64_t steps) {
    const std::int64_t cap = experiments::episode_step_cap(*env_);
    checkpoint(phase, 0);
    for (std::int64_t step = 1; step <= steps; ++step) {
      if (stopped()) return false;
      core_.explore(obs_, scaled_);
      const std::vector<double> action = agent_.unscale_action(scaled_);
      const StepResult r = env_->step(action, next_);
      ++episode_length_;
      const bool truncated = r.truncated || episode_length_ >= cap;
      const Pcg32 replay_copy = core_.replay_rng;
      const std::int64_t updates_before = core_.updates;
      core_.observe(obs_, scaled_, r.reward, next_, r.terminated, truncated);
      if (core_.updates > updates_before) {
        Pcg32 rng = replay_copy;
        for (std::int64_t k = updates_before; k < core_.updates; ++k) {
          core_.replay.sample(core_.cfg.batch_size, rng, batch_);
          core_.normalize(batch_.obs);
          core_.normalize(batch_.next_obs);
          train_sub_critics(batch_);
        }
      }
      if (r.terminated || truncated) {
        env_->reset(std::nullopt, obs_);
        episode_length_ = 0;
      } else {
        obs_.swap(next_);
      }
      if (step % cfg_.checkpoint_every == 0 || step == steps) checkpoint(phase, step);
    }
    return true;
  }

  void training_r(int phase) {
    std::vector<double> global;
    std::vector<std::vector<double>> local(static_cast<std::size_t>(layers_));
    for (const auto& c : out_.checkpoints) {
      if (c.phase != phase) continue;
      global.push_back(c.global_q);
      for (int l = 0; l < layers_; ++l) local[l].push_back(c.local_q[l]);
    }
    const std::vector<double> dg = successive_differences(global);
    auto& r = out_.r_training[phase - 1];
    auto& same = out_.same_sign_training[phase - 1];
    r.clear();
    same.clear();
    for (const auto& q : local) {
      const std::vector<double> dl = successive_differences(q);
      r.push_back(pearson_r(dg, dl));
      same.push_back(sign_agreement(dg, dl));
    }
  }

  // Greedy episodes on fresh seeds; differences between consecutive states of each
  // episode (the states the policy acted in), pooled over the episodes.
  void trajectory_r(int phase) {
    auto env = experiments::make_named_env(cfg_.env);
    const std::int64_t cap = experiments::episode_step_cap(*env);
    std::vector<double> obs(obs_.size());
    std::vector<double> dg;
    std::vector<std::vector<double>> dl(static_cast<std::size_t>(layers_));
    double return_sum = 0.0;
    for (int ep = 0; ep < cfg_.eval_episodes; ++ep) {
      if (ep == 0)
        env->reset(derive_seed(seed_, experiments::kFamilyExp1,
                               experiments::kStreamEval + static_cast<std::uint64_t>(phase)),
                   obs);
      else
        env->reset(std::nullopt, obs);
      States visited;
      for (std::int64_t t = 0; t < cap; ++t) {
        visited.push_back(obs);
        core_.policy(obs, scaled_);
        const StepResult r = env->step(agent_.unscale_action(scaled_), obs);
        return_sum += r.reward;
        if (r.terminated || r.truncated) break;
      }
      std::vector<double> global;
      std::vector<std::vector<double>> local;
      values_at(experiments::to_columns<T>(visited, core_.obs_size), global, local);
      for (double d : successive_differences(global)) dg.push_back(d);
      for (int l = 0; l < layers_; ++l)
        for (double d : successive_differences(local[l])) dl[l].push_back(d);
    }
    out_.eval_return[phase - 1] = return_sum / cfg_.eval_episodes;
    out_.trajectory_points[phase - 1] = static_cast<std::int64_t>(dg.size());
    auto& r = out_.r_trajectory[phase - 1];
    auto& same = out_.same_sign_trajectory[phase - 1];
    r.clear();
    same.clear();
    for (const auto& d : dl) {
      r.push_back(pearson_r(dg, d));
      same.push_back(sign_agreement(dg, d));
    }
  }

  const Exp1Config& cfg_;
  std::uint64_t seed_;
  const DdpgAgent& agent_;
  DdpgCore<T>& core_;
  const std::atomic<bool>* stop_;
  Exp1SeedResult& out_;
  std::unique_ptr<Env> env_;
  Matrix<T> probe_;
  std::vector<int> widths_;
  int layers_ = 0;
  experiments::SubCriticSettings sub_settings_;
  std::vector<SubCritic<T>> subs_;
  std::vector<double> obs_, next_, scaled_;
  std::int64_t episode_length_ = 0;
  // Scratch.
  ddpg::ReplayBatch<T> batch_;
  ddpg::MlpCache<T> cache_, target_cache_, critic_cache_;
  Matrix<T> x_, in_, next_in_;
};

template <class T>
void run_on(const Exp1Config& cfg, std::uint64_t seed, const DdpgAgent& agent, DdpgCore<T>& core,
            const States& probe, const std::atomic<bool>* stop, Exp1SeedResult& out) {
  Exp1Run<T>(cfg, seed, agent, core, probe, stop, out).run();
}

}  // namespace

Exp1SeedResult run_exp1_seed(const Exp1Config& cfg, std::uint64_t seed,
                             const std::atomic<bool>* stop) {
  const auto t0 = std::chrono::steady_clock::now();
  Exp1SeedResult out;
  experiments::run_seed(cfg, seed, out, [&](DdpgAgent& agent, auto& core, const States& probe) {
    const auto layers = out.actor_widths.size() - 1;
    for (int p = 0; p < 2; ++p) {
      out.r_trajectory[p].assign(layers, kNaN);
      out.r_training[p].assign(layers, kNaN);
      out.same_sign_trajectory[p].assign(layers, kNaN);
      out.same_sign_training[p].assign(layers, kNaN);
      out.eval_return[p] = kNaN;
    }
    run_on(cfg, seed, agent, core, probe, stop, out);
  });
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace coagent
