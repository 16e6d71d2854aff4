// coagent/network.hpp — the actor: a feed-forward stack of layers of neurons.
//
// The network encodes an observation into the first frame (as it is, normalised to
// [-1, 1] by the environment's nominal bounds, or by running statistics: ObsNorm),
// runs it through its layers, and
// decodes the output layer's voltages, clipped to [-1, 1], to the action bounds.
// Every neuron's parameters are initialised from its own random stream, seeded from
// (run seed, layer, index), so the network does not depend on construction order.
//
// Threading: a Network is plain data. Concurrent calls on disjoint neuron ranges of
// a layer are safe (that is how the runtime uses it); anything else needs the
// caller's synchronisation.
#pragma once

#include <span>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"
#include "coagent/running_stats.hpp"

namespace coagent {

class Network {
 public:
  Network() = default;
  // Builds the network for `cfg` on an environment with these sizes and bounds;
  // `envs` traces are kept per neuron. `random`: every neuron's parameters are
  // drawn from its own stream; `unset`: zeros and unseeded streams, for a reader
  // that fills in every parameter and stream (checkpoint loading).
  enum class Init { random, unset };
  Network(const TrainConfig& cfg, int obs_size, const Box& obs_bounds,
          const Box& action_bounds, Init init = Init::random);

  int num_layers() const noexcept { return static_cast<int>(layers_.size()); }
  int obs_size() const noexcept { return obs_size_; }
  int action_size() const noexcept { return static_cast<int>(action_low_.size()); }
  int input_stride() const noexcept { return padded(obs_size_); }
  // Widths from the input to the output, e.g. {2, 32, 32, 1}.
  std::vector<int> shape() const;
  std::int64_t num_neurons() const noexcept;

  const RuleSettings& rule() const noexcept { return rule_; }
  const LayerSpec& spec(int l) const { return specs_.at(l); }
  LayerState& layer(int l) { return layers_.at(l); }
  const LayerState& layer(int l) const { return layers_.at(l); }

  // obs-norm running: adds `obs` to the running statistics encode() uses (the
  // runtime calls it once per observation, before encoding it, in step order); a
  // no-op otherwise. Evaluation never calls it: the statistics stay frozen.
  void observe(std::span<const double> obs) noexcept;
  ObsNorm obs_norm() const noexcept { return obs_norm_; }
  RunningStats& obs_stats() noexcept { return obs_stats_; }
  const RunningStats& obs_stats() const noexcept { return obs_stats_; }

  // Writes input_stride() floats (zero padded).
  void encode(std::span<const double> obs, float* frame) const noexcept;
  // Reads action_size() voltages, writes the action.
  void decode(const float* out, std::span<double> action) const noexcept;

  // The greedy (noise-free) policy: scratch is resized as needed.
  void greedy_action(std::span<const double> obs, std::span<double> action,
                     std::vector<float>& scratch) const;

 private:
  int obs_size_ = 0;
  ObsNorm obs_norm_ = ObsNorm::bounds;
  double obs_clip_ = 5.0;
  std::vector<double> obs_mid_, obs_half_;  // bounds
  RunningStats obs_stats_;                  // running
  std::vector<double> action_low_, action_high_;
  RuleSettings rule_;
  std::vector<LayerSpec> specs_;
  std::vector<LayerState> layers_;
};

}  // namespace coagent
