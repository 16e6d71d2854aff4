// src/cli/config_file.hpp — config files for `coagent train --config FILE` and the
// assembly of a run's settings: defaults → preset → config file → flags → validate,
// for both algorithms. Files are read by read_settings_text (coagent/config.hpp),
// the same reader as a checkpoint's settings block; `ddpg-KEY` entries are
// DdpgConfig settings, every other key a TrainConfig one.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"

namespace coagent::cli {

// The settings of one `coagent train`: the local-rule (and shared) settings, and
// the DDPG ones (used when cfg.algo is ddpg).
struct RunSettings {
  TrainConfig cfg;
  DdpgConfig ddpg;
};

// Applies the config text's settings. Unknown keys, sections, bad values:
// std::invalid_argument naming `source`, the key and the value.
void apply_config_toml(std::string_view text, RunSettings& s, std::string_view source);
// The same for the local-rule settings only (a `ddpg-*` key is refused).
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source);

// Reads a config file (a regular text file of at most 1 MiB) and applies it.
void read_config_file(const std::string& path, RunSettings& s);
void read_config_file(const std::string& path, TrainConfig& cfg);

// Defaults, then the preset (if not empty), then the config file (if not empty), then
// `flags` (TrainConfig keys) and `ddpg_flags` (DdpgConfig keys, without `ddpg-`);
// both validated. `ddpg_flags` need algo ddpg.
RunSettings resolve_settings(const std::string& preset, const std::string& config_path,
                             const std::map<std::string, std::string>& flags,
                             const std::map<std::string, std::string>& ddpg_flags);

// The settings as a config file (`--print-config`): every TrainConfig key for algo
// local; the shared keys and the `ddpg-*` keys for algo ddpg.
std::string settings_text(const RunSettings& s);

}  // namespace coagent::cli
