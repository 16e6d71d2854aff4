// src/rules/network.cpp — building, initialising and running the actor's layers.
#include "coagent/network.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace coagent {

Network::Network(const TrainConfig& cfg, int obs_size, const Box& obs_bounds,
                 const Box& action_bounds, Init init)
    : obs_size_(obs_size),
      obs_norm_(cfg.obs_norm),
      obs_clip_(cfg.obs_clip),
      obs_stats_(static_cast<std::size_t>(std::max(obs_size, 0))),
      action_low_(action_bounds.low),
      action_high_(action_bounds.high) {
  kernel_isa();  // throws if COAGENT_ISA is bad
  if (obs_size < 1) throw std::invalid_argument("observation size must be at least 1");
  if (action_low_.empty() || action_low_.size() != action_high_.size())
    throw std::invalid_argument("action bounds must be non-empty and of equal length");
  for (std::size_t i = 0; i < action_low_.size(); ++i)
    if (!std::isfinite(action_low_[i]) || !std::isfinite(action_high_[i]) ||
        !(action_low_[i] < action_high_[i]))
      throw std::invalid_argument("action bound " + std::to_string(i) +
                                  " must be finite with low < high");
  if (static_cast<int>(obs_bounds.low.size()) != obs_size ||
      static_cast<int>(obs_bounds.high.size()) != obs_size)
    throw std::invalid_argument("observation bounds must have one value per observation");
  for (int i = 0; i < obs_size; ++i) {
    const double lo = obs_bounds.low[i], hi = obs_bounds.high[i];
    if (obs_norm_ != ObsNorm::bounds) {  // the bounds are not used
      obs_mid_.push_back(0.0);
      obs_half_.push_back(1.0);
      continue;
    }
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
      throw std::invalid_argument("observation bound " + std::to_string(i) +
                                  " must be finite with low < high (obs-norm bounds encodes "
                                  "observations by their bounds; use obs-norm running or off)");
    obs_mid_.push_back(0.5 * (lo + hi));
    obs_half_.push_back(0.5 * (hi - lo));
  }

  rule_ = rule_settings(cfg);

  if (rule_info(cfg.rule).action_gradient && action_size() > kMaxGradActions)
    throw std::invalid_argument("rule " + std::string(to_string(cfg.rule)) + " supports at most " +
                                std::to_string(kMaxGradActions) +
                                " action dimensions; this environment has " +
                                std::to_string(action_size()));
  specs_ = cfg.layer_specs(action_size());
  int fan_in = obs_size;
  for (std::size_t l = 0; l < specs_.size(); ++l) {
    const LayerSpec& spec = specs_[l];
    LayerState layer;
    layer.params = LayerParams(fan_in, spec.width, cfg.rule);
    layer.envs = cfg.envs;
    layer.trace.resize(static_cast<std::size_t>(cfg.envs) * spec.width);
    layer.pending.resize(layer.trace.size());
    layer.update.assign(static_cast<std::size_t>(spec.width), RowUpdate{});
    layer.noise.assign(layer.trace.size(), 0.0f);
    if (rule_info(cfg.rule).eligibility) {
      layer.elig.assign(layer.trace.size() * static_cast<std::size_t>(padded(fan_in)), 0.0f);
      layer.elig_b.assign(layer.trace.size(), 0.0f);
    }
    const std::uint64_t key = derive_seed(cfg.seed, kFamilyNoise + l, 0);
    layer.noise_key = {static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)};
    layer.stat_td_abs.assign(spec.width, 0.0);
    layer.stat_xi_abs.assign(spec.width, 0.0);
    layer.stat_count.assign(spec.width, 0);
    const double scale = spec.init_scale / std::sqrt(static_cast<double>(fan_in));
    LayerParams& p = layer.params;
    for (int n = 0; init == Init::random && n < spec.width; ++n) {
      // Each neuron draws its own initial weights from its own stream.
      Pcg32 rng(derive_seed(cfg.seed, kFamilyNeuron + l, static_cast<std::uint64_t>(n)));
      for (int i = 0; i < fan_in; ++i)
        p.K[static_cast<std::size_t>(n) * p.stride + i] = static_cast<float>(scale * rng.normal());
      p.b[n] = static_cast<float>(scale * rng.normal());
    }
    // dfa feedback weights: a pure function of (seed, layer, neuron), never stored.
    for (int n = 0; n < spec.width && !p.fb.empty(); ++n) {
      float* B = &p.fb[static_cast<std::size_t>(n) * kMaxGradActions];
      if (spec.output) {
        B[n] = 1.0f;
        continue;
      }
      Pcg32 rng(derive_seed(cfg.seed, kFamilyFeedback + l, static_cast<std::uint64_t>(n)));
      for (int k = 0; k < action_size(); ++k)
        B[k] = static_cast<float>(cfg.feedback_scale * rng.normal());
    }
    layers_.push_back(std::move(layer));
    fan_in = spec.width;
  }
}

std::vector<int> Network::shape() const {
  std::vector<int> s{obs_size_};
  for (const auto& spec : specs_) s.push_back(spec.width);
  return s;
}

std::int64_t Network::num_neurons() const noexcept {
  std::int64_t n = 0;
  for (const auto& spec : specs_) n += spec.width;
  return n;
}

void Network::observe(std::span<const double> obs) noexcept {
  if (obs_norm_ == ObsNorm::running) obs_stats_.update(obs);
}

void Network::encode(std::span<const double> obs, float* frame) const noexcept {
  const int stride = input_stride();
  if (obs_norm_ == ObsNorm::running) {
    for (int i = 0; i < obs_size_; ++i) {
      const double z = (obs[i] - obs_stats_.mean[i]) / obs_stats_.stddev(i);
      frame[i] = static_cast<float>(std::clamp(z, -obs_clip_, obs_clip_));
    }
  } else {
    // Clipped far outside anything a bounded observation encodes to ([-1, 1]), so that a
    // finite observation however large (1e39 does not fit a float) gives a finite action.
    constexpr double kLimit = 1e6;
    for (int i = 0; i < obs_size_; ++i)
      frame[i] = static_cast<float>(std::clamp((obs[i] - obs_mid_[i]) / obs_half_[i], -kLimit, kLimit));
  }
  std::fill(frame + obs_size_, frame + stride, 0.0f);
}

void Network::decode(const float* out, std::span<double> action) const noexcept {
  for (std::size_t i = 0; i < action_low_.size(); ++i) {
    const double a = std::clamp(static_cast<double>(out[i]), -1.0, 1.0);
    action[i] = action_low_[i] + 0.5 * (a + 1.0) * (action_high_[i] - action_low_[i]);
  }
}

void Network::greedy_action(std::span<const double> obs, std::span<double> action,
                            std::vector<float>& scratch) const {
  int widest = input_stride();
  for (const auto& layer : layers_) widest = std::max(widest, padded(layer.params.width));
  scratch.assign(2 * static_cast<std::size_t>(widest), 0.0f);
  float* in = scratch.data();
  float* out = scratch.data() + widest;
  encode(obs, in);
  for (const auto& layer : layers_) {
    std::fill(out, out + widest, 0.0f);
    neurons_greedy(layer.params, 0, layer.params.width, in, out);
    std::swap(in, out);
  }
  decode(in, action);
}

}  // namespace coagent
