// src/ddpg/config.cpp — validation, printing and parsing of DdpgConfig.
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"

namespace coagent {
namespace {

void check_range(std::string_view what, double v, double lo, double hi) {
  if (!(v >= lo && v <= hi))
    throw std::invalid_argument(
        fmt::format("ddpg {}: {} is out of range, expected a value in [{}, {}]", what, v, lo, hi));
}

void check_int(std::string_view what, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi)
    throw std::invalid_argument(
        fmt::format("ddpg {}: {} is out of range, expected an integer in [{}, {}]", what, v, lo,
                    hi));
}

void check_widths(std::string_view what, const std::vector<int>& w) {
  if (w.size() > 16)
    throw std::invalid_argument(
        fmt::format("ddpg {}: {} hidden layers, expected at most 16", what, w.size()));
  for (int x : w) check_int(what, x, 1, 65536);
}

bool parse_flag(std::string_view text, std::string_view what) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "off" || text == "no") return false;
  throw std::invalid_argument(
      fmt::format("{}: '{}' is not valid, expected true or false", what, text));
}

}  // namespace

std::string_view to_string(DdpgNoise n) noexcept {
  switch (n) {
    case DdpgNoise::none: return "none";
    case DdpgNoise::gaussian: return "gaussian";
    case DdpgNoise::ou: return "ou";
  }
  return "?";
}

std::string_view to_string(DdpgPrecision p) noexcept {
  return p == DdpgPrecision::float64 ? "float64" : "float32";
}

DdpgNoise parse_ddpg_noise(std::string_view s) {
  if (s == "none") return DdpgNoise::none;
  if (s == "gaussian") return DdpgNoise::gaussian;
  if (s == "ou") return DdpgNoise::ou;
  throw std::invalid_argument(
      fmt::format("ddpg noise: '{}' is not valid, expected none, gaussian or ou", s));
}

DdpgPrecision parse_ddpg_precision(std::string_view s) {
  if (s == "float32") return DdpgPrecision::float32;
  if (s == "float64") return DdpgPrecision::float64;
  throw std::invalid_argument(
      fmt::format("ddpg precision: '{}' is not valid, expected float32 or float64", s));
}

void DdpgConfig::validate() const {
  check_widths("actor-hidden", actor_hidden);
  check_widths("critic-hidden", critic_hidden);
  check_range("gamma", gamma, 0.0, 1.0);
  check_range("actor-lr", actor_lr, 0.0, 10.0);
  check_range("critic-lr", critic_lr, 0.0, 10.0);
  check_range("adam-beta1", adam_beta1, 0.0, 0.999999);
  check_range("adam-beta2", adam_beta2, 0.0, 0.999999999);
  check_range("adam-eps", adam_eps, 1e-300, 1.0);
  check_int("buffer-size", buffer_size, 1, std::int64_t{1} << 31);
  check_int("learning-starts", learning_starts, 0, std::int64_t{1} << 62);
  check_int("batch-size", batch_size, 1, 1 << 20);
  check_range("tau", tau, 0.0, 1.0);
  check_int("train-freq", train_freq, 1, 1 << 30);
  check_int("gradient-steps", gradient_steps, 0, 1 << 20);
  check_range("noise-std", noise_std, 0.0, 100.0);
  check_range("ou-theta", ou_theta, 0.0, 1e6);
  check_range("ou-dt", ou_dt, 0.0, 1e6);
  check_range("obs-clip", obs_clip, 1e-6, 1e300);
  if (noise != DdpgNoise::none && noise != DdpgNoise::gaussian && noise != DdpgNoise::ou)
    throw std::invalid_argument("ddpg noise: unknown kind");
  if (precision != DdpgPrecision::float32 && precision != DdpgPrecision::float64)
    throw std::invalid_argument("ddpg precision: unknown kind");
}

std::vector<std::pair<std::string, std::string>> ddpg_config_entries(const DdpgConfig& c) {
  auto num = [](double v) { return fmt::format("{}", v); };
  auto widths = [](const std::vector<int>& w) {
    std::string s;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (i) s += ',';
      s += std::to_string(w[i]);
    }
    return s;
  };
  return {
      {"actor-hidden", widths(c.actor_hidden)},
      {"critic-hidden", widths(c.critic_hidden)},
      {"gamma", num(c.gamma)},
      {"actor-lr", num(c.actor_lr)},
      {"critic-lr", num(c.critic_lr)},
      {"adam-beta1", num(c.adam_beta1)},
      {"adam-beta2", num(c.adam_beta2)},
      {"adam-eps", num(c.adam_eps)},
      {"buffer-size", std::to_string(c.buffer_size)},
      {"learning-starts", std::to_string(c.learning_starts)},
      {"batch-size", std::to_string(c.batch_size)},
      {"tau", num(c.tau)},
      {"train-freq", std::to_string(c.train_freq)},
      {"gradient-steps", std::to_string(c.gradient_steps)},
      {"noise", std::string(to_string(c.noise))},
      {"noise-std", num(c.noise_std)},
      {"ou-theta", num(c.ou_theta)},
      {"ou-dt", num(c.ou_dt)},
      {"obs-norm", c.obs_norm ? "true" : "false"},
      {"obs-clip", num(c.obs_clip)},
      {"precision", std::string(to_string(c.precision))},
  };
}

void set_ddpg_config_entry(DdpgConfig& c, std::string_view key, std::string_view value) {
  const std::string what = fmt::format("ddpg {}", key);
  if (key == "actor-hidden") c.actor_hidden = parse_widths(value, what);
  else if (key == "critic-hidden") c.critic_hidden = parse_widths(value, what);
  else if (key == "gamma") c.gamma = parse_double(value, what);
  else if (key == "actor-lr") c.actor_lr = parse_double(value, what);
  else if (key == "critic-lr") c.critic_lr = parse_double(value, what);
  else if (key == "adam-beta1") c.adam_beta1 = parse_double(value, what);
  else if (key == "adam-beta2") c.adam_beta2 = parse_double(value, what);
  else if (key == "adam-eps") c.adam_eps = parse_double(value, what);
  else if (key == "buffer-size") c.buffer_size = parse_int(value, what);
  else if (key == "learning-starts") c.learning_starts = parse_int(value, what);
  else if (key == "batch-size") c.batch_size = parse_int(value, what);
  else if (key == "tau") c.tau = parse_double(value, what);
  else if (key == "train-freq") c.train_freq = parse_int(value, what);
  else if (key == "gradient-steps") c.gradient_steps = parse_int(value, what);
  else if (key == "noise") c.noise = parse_ddpg_noise(value);
  else if (key == "noise-std") c.noise_std = parse_double(value, what);
  else if (key == "ou-theta") c.ou_theta = parse_double(value, what);
  else if (key == "ou-dt") c.ou_dt = parse_double(value, what);
  else if (key == "obs-norm") c.obs_norm = parse_flag(value, what);
  else if (key == "obs-clip") c.obs_clip = parse_double(value, what);
  else if (key == "precision") c.precision = parse_ddpg_precision(value);
  else
    throw std::invalid_argument(fmt::format("ddpg: unknown setting '{}' (value '{}')", key, value));
}

}  // namespace coagent
