// src/ddpg/config.cpp — DdpgConfig's settings table (every key once, with its member,
// range and help) and what derives from it: validation, entries, parsing, text.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "settings/table.hpp"

namespace coagent {
namespace {

using Table = settings::Table<DdpgConfig>;

Table make_table() {
  Table t;
  t.style = {"ddpg ", true, false};
  using C = DdpgConfig;
  constexpr double kMaxBuffer = static_cast<double>(std::int64_t{1} << 31);
  constexpr double kMaxStarts = static_cast<double>(std::int64_t{1} << 62);
  t.widths("actor-hidden", &C::actor_hidden, "actor hidden layer widths (\"\" for none)");
  t.widths("critic-hidden", &C::critic_hidden, "critic hidden layer widths (\"\" for none)");
  t.real("gamma", &C::gamma, 0.0, 1.0, "discount factor");
  t.real("actor-lr", &C::actor_lr, 0.0, 10.0, "actor Adam learning rate");
  t.real("critic-lr", &C::critic_lr, 0.0, 10.0, "critic Adam learning rate");
  t.real("adam-beta1", &C::adam_beta1, 0.0, 0.999999, "Adam first-moment decay");
  t.real("adam-beta2", &C::adam_beta2, 0.0, 0.999999999, "Adam second-moment decay");
  t.real("adam-eps", &C::adam_eps, 1e-300, 1.0, "Adam epsilon");
  t.integer("buffer-size", &C::buffer_size, 1, kMaxBuffer, "replay buffer capacity (transitions)");
  t.integer("learning-starts", &C::learning_starts, 0, kMaxStarts,
            "steps of uniform random actions (plus noise) before learning");
  t.integer("batch-size", &C::batch_size, 1, 1 << 20, "minibatch size");
  t.real("tau", &C::tau, 0.0, 1.0, "soft target update: target <- (1 - tau) target + tau online");
  t.integer("train-freq", &C::train_freq, 1, 1 << 30, "train every this many environment steps");
  t.integer("gradient-steps", &C::gradient_steps, 0, 1 << 20, "gradient steps per training");
  t.choice("noise", &C::noise, {DdpgNoise::none, DdpgNoise::gaussian, DdpgNoise::ou},
           "action noise (in scaled action space)");
  t.real("noise-std", &C::noise_std, 0.0, 100.0, "Gaussian std, or the OU process's sigma");
  t.real("ou-theta", &C::ou_theta, 0.0, 1e6, "OU mean reversion rate");
  t.real("ou-dt", &C::ou_dt, 0.0, 1e6, "OU time step (SB3: 0.01)");
  t.flag("obs-norm", &C::obs_norm, "running mean/std observation normalisation");
  t.real("obs-clip", &C::obs_clip, 1e-6, 1e300, "normalised observations are clipped to +-this");
  t.choice("precision", &C::precision, {DdpgPrecision::float32, DdpgPrecision::float64},
           "network arithmetic");
  return t;
}

const Table& table() { return settings::built_once<Table, make_table>(); }

}  // namespace

std::string_view to_string(DdpgNoise n) noexcept {
  static constexpr settings::Named<DdpgNoise> kNames[] = {
      {DdpgNoise::none, "none"}, {DdpgNoise::gaussian, "gaussian"}, {DdpgNoise::ou, "ou"}};
  return settings::name_of(n, kNames);
}

std::string_view to_string(DdpgPrecision p) noexcept {
  return p == DdpgPrecision::float64 ? "float64" : "float32";
}

DdpgNoise parse_ddpg_noise(std::string_view s) {
  return settings::parse_choice(s, "ddpg noise", {DdpgNoise::none, DdpgNoise::gaussian, DdpgNoise::ou});
}

DdpgPrecision parse_ddpg_precision(std::string_view s) {
  return settings::parse_choice(s, "ddpg precision", {DdpgPrecision::float32, DdpgPrecision::float64});
}

void DdpgConfig::validate() const { table().validate(*this); }

const std::vector<SettingInfo>& ddpg_config_settings() {
  static const std::vector<SettingInfo> infos = table().infos();
  return infos;
}

std::vector<std::pair<std::string, std::string>> ddpg_config_entries(const DdpgConfig& c) {
  return table().entries(c, false);
}

void set_ddpg_config_entry(DdpgConfig& c, std::string_view key, std::string_view value) {
  if (!table().set(c, key, value))
    throw std::invalid_argument(fmt::format("ddpg: unknown setting '{}' (value '{}')", key, value));
}

std::string ddpg_config_to_text(const DdpgConfig& c, std::string_view key_prefix) {
  return table().text(c, key_prefix);
}

}  // namespace coagent
