// src/cli/config_file.cpp — config files and the assembly of a run's settings.
#include "cli/config_file.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "coagent/exp2.hpp"  // apply_preset
#include "io/archive.hpp"

namespace coagent::cli {
namespace {

constexpr std::string_view kDdpgPrefix = "ddpg-";

void apply_text(std::string_view text, TrainConfig& cfg, DdpgConfig* ddpg, std::string_view source) {
  if (text.find('\0') != std::string_view::npos)
    throw std::invalid_argument(
        fmt::format("config '{}' is binary, expected a TOML text file", source));
  try {
    read_settings_text(text, [&](std::string_view key, std::string_view value) {
      if (ddpg && key.substr(0, kDdpgPrefix.size()) == kDdpgPrefix)
        set_ddpg_config_entry(*ddpg, key.substr(kDdpgPrefix.size()), value);
      else
        set_config_entry(cfg, key, value);
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
  apply_text(text, s.cfg, &s.ddpg, source);
}
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source) {
  apply_text(text, cfg, nullptr, source);
}

void read_config_file(const std::string& path, RunSettings& s) {
  apply_config_toml(read_file(path), s, path);
}
void read_config_file(const std::string& path, TrainConfig& cfg) {
  apply_config_toml(read_file(path), cfg, path);
}

RunSettings resolve_settings(const std::string& preset, const std::string& config_path,
                             const std::map<std::string, std::string>& flags,
                             const std::map<std::string, std::string>& ddpg_flags) {
  RunSettings s;
  if (!preset.empty()) apply_preset(s.cfg, preset);
  if (!config_path.empty()) read_config_file(config_path, s);
  for (const auto& [key, value] : flags) set_config_entry(s.cfg, key, value);
  s.cfg.validate();
  if (s.cfg.algo != Algo::ddpg && !ddpg_flags.empty())
    throw std::invalid_argument(fmt::format("--ddpg-{} needs --algo ddpg", ddpg_flags.begin()->first));
  for (const auto& [key, value] : ddpg_flags) set_ddpg_config_entry(s.ddpg, key, value);
  s.ddpg.validate();
  return s;
}

std::string settings_text(const RunSettings& s) {
  if (s.cfg.algo != Algo::ddpg) return config_to_text(s.cfg);
  std::string out;
  for (const auto& [key, value] : config_entries(s.cfg))
    if (is_shared_setting(key)) out += fmt::format("{} = {}\n", key, value);
  return out + ddpg_config_to_text(s.ddpg, kDdpgPrefix);
}

}  // namespace coagent::cli
