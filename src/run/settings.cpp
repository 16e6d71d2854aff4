// src/run/settings.cpp — config files and the assembly of a run's settings
// (coagent/run.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "coagent/presets.hpp"
#include "coagent/run.hpp"
#include "io/archive.hpp"
#include "run/algorithms.hpp"

namespace coagent {
namespace {

// The prefixes of DDPG's and ARS's keys in settings text (the registry's).
std::string_view ddpg_prefix() { return detail::algorithm(Algo::ddpg).prefix; }
std::string_view ars_prefix() { return detail::algorithm(Algo::ars).prefix; }
// The step budget before any preset, file or flag sets one (then the algorithm's).
constexpr std::int64_t kStepsUnset = 0;

bool has_prefix(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

// Which entries of a settings text to apply: the TrainConfig and DDPG ones (ARS's go
// to `ars_keys`, or are refused when it is null), or the ARS ones only.
enum class Pass : std::uint8_t { main, ars };

void apply_text(std::string_view text, TrainConfig& cfg, DdpgConfig* ddpg, ArsConfig* ars,
                std::string_view source, Pass pass = Pass::main,
                std::vector<std::string>* ars_keys = nullptr) {
  if (text.find('\0') != std::string_view::npos)
    throw std::invalid_argument(
        fmt::format("config '{}' is binary, expected a TOML text file", source));
  const std::string_view ars_keys_prefix = ars_prefix(), ddpg_keys_prefix = ddpg_prefix();
  try {
    read_settings_text(text, [&](std::string_view key, std::string_view value) {
      const bool is_ars = ars && has_prefix(key, ars_keys_prefix);
      if (pass == Pass::ars) {
        if (is_ars) set_ars_config_entry(*ars, key.substr(ars_keys_prefix.size()), value);
      } else if (is_ars) {
        if (ars_keys) ars_keys->emplace_back(key);
        ArsConfig probe;  // the value is checked now, applied in the ARS pass
        set_ars_config_entry(probe, key.substr(ars_keys_prefix.size()), value);
      } else if (ddpg && has_prefix(key, ddpg_keys_prefix)) {
        set_ddpg_config_entry(*ddpg, key.substr(ddpg_keys_prefix.size()), value);
      } else {
        set_config_entry(cfg, key, value);
      }
    });
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("config '{}': {}", source, e.what()));
  }
}

std::string read_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (std::string why = io::regular_file_problem(path, "config"); !why.empty())
    throw std::invalid_argument(why);
  const auto size = fs::file_size(path, ec);
  if (ec || size > (1u << 20))
    throw std::invalid_argument(fmt::format("config '{}' is larger than 1 MiB", path));
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof())
    throw std::invalid_argument(fmt::format("cannot read config '{}'", path));
  return text;
}

}  // namespace

void apply_config_toml(std::string_view text, RunSettings& s, std::string_view source) {
  apply_text(text, s.cfg, &s.ddpg, &s.ars, source);
  apply_text(text, s.cfg, &s.ddpg, &s.ars, source, Pass::ars);
}
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source) {
  apply_text(text, cfg, nullptr, nullptr, source);
}

void read_config_file(const std::string& path, RunSettings& s) {
  apply_config_toml(read_file(path), s, path);
}
void read_config_file(const std::string& path, TrainConfig& cfg) {
  apply_config_toml(read_file(path), cfg, path);
}

RunSettings resolve_settings(const std::string& preset, const std::string& config_path,
                             const SettingFlags& flags, const SettingFlags& ddpg_flags,
                             const SettingFlags& ars_flags) {
  RunSettings s;
  s.cfg.steps = kStepsUnset;
  if (!preset.empty()) apply_preset(s.cfg, preset);
  const std::string text = config_path.empty() ? std::string() : read_file(config_path);
  std::vector<std::string> file_ars_keys;
  apply_text(text, s.cfg, &s.ddpg, &s.ars, config_path, Pass::main, &file_ars_keys);
  for (const auto& [key, value] : flags) set_config_entry(s.cfg, key, value);
  const bool ars = s.cfg.algo == Algo::ars;
  const Preset* base = !preset.empty() ? &find_preset(preset) : preset_for_env(s.cfg.env);
  if (s.cfg.steps == kStepsUnset)
    s.cfg.steps = ars && base && base->ars_steps > 0 ? base->ars_steps : TrainConfig{}.steps;
  s.cfg.validate();
  if (s.cfg.algo != Algo::ddpg && !ddpg_flags.empty())
    throw std::invalid_argument(fmt::format("--ddpg-{} needs --algo ddpg", ddpg_flags.begin()->first));
  if (!ars && !ars_flags.empty())
    throw std::invalid_argument(fmt::format("--ars-{} needs --algo ars", ars_flags.begin()->first));
  if (!ars && !file_ars_keys.empty())
    throw std::invalid_argument(
        fmt::format("config '{}': {} needs algo = \"ars\"", config_path, file_ars_keys.front()));
  for (const auto& [key, value] : ddpg_flags) set_ddpg_config_entry(s.ddpg, key, value);
  s.ddpg.validate();
  if (ars && base) s.ars = ars_config_for(*base);
  apply_text(text, s.cfg, &s.ddpg, &s.ars, config_path, Pass::ars);
  for (const auto& [key, value] : ars_flags) set_ars_config_entry(s.ars, key, value);
  s.ars.validate();
  for (const auto& [key, value] : flags)
    if (!setting_applies(key, s.cfg.algo))
      throw std::invalid_argument(fmt::format(
          "--{} applies to the local rules, not to --algo {} (use the --{}-* flags)", key,
          to_string(s.cfg.algo), to_string(s.cfg.algo)));
  return s;
}

std::vector<std::pair<std::string, std::string>> settings_entries(const RunSettings& s) {
  const detail::Algorithm& a = detail::algorithm(s.cfg.algo);
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [key, value] : config_entries(s.cfg))
    if (setting_applies(key, s.cfg.algo)) out.emplace_back(std::move(key), std::move(value));
  for (auto& [key, value] : a.own_entries(s))
    out.emplace_back(std::string(a.prefix) + key, std::move(value));
  return out;
}

std::string settings_text(const RunSettings& s) {
  std::string out;
  for (const auto& [key, value] : config_entries(s.cfg))
    if (setting_applies(key, s.cfg.algo)) out += fmt::format("{} = {}\n", key, value);
  return out + detail::algorithm(s.cfg.algo).own_text(s);
}

}  // namespace coagent
