// src/io/config.cpp — TrainConfig's enums, its per-layer resolution (layer_specs),
// the exploration schedule and the shard size. The settings themselves (keys,
// ranges, validation, text) are the table in src/settings/train_settings.cpp.
#include "coagent/config.hpp"

#include <algorithm>

#include "coagent/random.hpp"
#include "settings/rule_list.hpp"
#include "settings/table.hpp"

namespace coagent {

using settings::parse_choice;

std::span<const RuleInfo> rule_list() noexcept { return rules::kRuleList; }
const RuleInfo& rule_info(Rule r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return rules::kRuleList[i < std::size(rules::kRuleList) ? i : 0];
}
std::string_view to_string(Rule r) noexcept {
  return static_cast<int>(r) < rules::kRuleCount ? rule_info(r).name : "?";
}

std::string_view to_string(ActorStep s) noexcept {
  return s == ActorStep::natural ? "natural" : "plain";
}
std::string_view to_string(NoiseKind k) noexcept {
  return k == NoiseKind::gaussian ? "gaussian" : "ou";
}
std::string_view to_string(Mode m) noexcept {
  return m == Mode::lockstep ? "lockstep" : m == Mode::async ? "async" : m == Mode::mpi ? "mpi" : "auto";
}
std::string_view to_string(Algo a) noexcept {
  return a == Algo::local ? "local" : a == Algo::ddpg ? "ddpg" : "ars";
}
std::string_view to_string(ExploreSchedule s) noexcept {
  return s == ExploreSchedule::all ? "all" : "episode";
}

std::string_view to_string(ObsNorm n) noexcept {
  return n == ObsNorm::off ? "off" : n == ObsNorm::bounds ? "bounds" : "running";
}

ExploreSchedule parse_explore_schedule(std::string_view s) {
  return parse_choice(s, "explore-schedule", {ExploreSchedule::all, ExploreSchedule::episode});
}
Algo parse_algo(std::string_view s) {
  return parse_choice(s, "algo", {Algo::local, Algo::ddpg, Algo::ars});
}
Rule parse_rule(std::string_view s) {
  for (Rule r : rules::all_rules())
    if (to_string(r) == s) return r;
  settings::bad("rule", s, settings::alternatives(rules::all_rules()));
}
ActorStep parse_actor_step(std::string_view s) {
  return parse_choice(s, "actor-step", {ActorStep::natural, ActorStep::plain});
}
NoiseKind parse_noise_kind(std::string_view s) {
  return parse_choice(s, "noise", {NoiseKind::gaussian, NoiseKind::ou});
}
Mode parse_mode(std::string_view s) {
  return parse_choice(s, "mode", {Mode::automatic, Mode::lockstep, Mode::async, Mode::mpi});
}

const TrainConfig& TrainConfig::defaults() {
  static const TrainConfig d;
  return d;
}

std::vector<LayerSpec> TrainConfig::layer_specs(int action_size) const {
  using settings::per_layer;
  validate();
  const int layers = static_cast<int>(hidden.size()) + 1;
  const auto kinds = per_layer(noise, layers, NoiseKind::gaussian, NoiseKind::gaussian, "noise");
  const auto scales =
      per_layer(noise_scale, layers, kHiddenNoiseDefault, kOutputNoiseDefault, "noise-scale");
  const auto fractions = per_layer(explore_fraction, layers, 1.0, 1.0, "explore-fraction");
  const auto inits = per_layer(init_scale, layers, 1.0, 1.0, "init-scale");
  std::vector<LayerSpec> specs(layers);
  for (int l = 0; l < layers; ++l) {
    LayerSpec& s = specs[l];
    s.width = l + 1 == layers ? action_size : hidden[l];
    s.noise = kinds[l];
    s.noise_scale = scales[l];
    s.ou_theta = ou_theta;
    s.ou_dt = ou_dt;
    s.explore_fraction = fractions[l];
    s.init_scale = inits[l];
    s.alpha_actor = l + 1 < layers && alpha_hidden >= 0.0 ? alpha_hidden : -1.0;
    s.learn = !(freeze_hidden && l + 1 < layers);
    s.output = l + 1 == layers;
  }
  return specs;
}

std::uint32_t TrainConfig::explore_mask(int env_index, std::int64_t episode) const noexcept {
  const int layers = static_cast<int>(hidden.size()) + 1;
  const std::uint32_t all = layers >= 32 ? ~0u : (1u << layers) - 1u;
  if (explore_schedule == ExploreSchedule::all || layers == 1) return all;
  Pcg32 rng(derive_seed(seed, kFamilySchedule + static_cast<std::uint64_t>(env_index),
                        static_cast<std::uint64_t>(episode)));
  const std::uint32_t output = 1u << (layers - 1);
  return rng.uniform() < output_episodes ? output : all & ~output;
}

}  // namespace coagent
