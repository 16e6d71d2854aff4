// src/cli/config_file.hpp — config files for `coagent train --config FILE` and the
// assembly of a run's settings: defaults → preset → config file → flags → validate,
// for both algorithms. Files are read by read_settings_text (coagent/config.hpp),
// the same reader as a checkpoint's settings block; `ddpg-KEY` entries are
// DdpgConfig settings, `ars-KEY` entries ArsConfig ones, every other key a TrainConfig
// one.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/learner.hpp"

namespace coagent::cli {

// The settings of one `coagent train`: the local-rule (and shared) settings, the
// DDPG ones (used when cfg.algo is ddpg) and the ARS ones (when it is ars).
struct RunSettings {
  TrainConfig cfg;
  DdpgConfig ddpg;
  ArsConfig ars;
};

// The settings of a constructed learner (any algorithm).
RunSettings run_settings_of(const Learner& l);

// Applies the config text's settings. Unknown keys, sections, bad values:
// std::invalid_argument naming `source`, the key and the value.
void apply_config_toml(std::string_view text, RunSettings& s, std::string_view source);
// The same for the local-rule settings only (a `ddpg-*` or `ars-*` key is refused).
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source);

// Reads a config file (a regular text file of at most 1 MiB) and applies it.
void read_config_file(const std::string& path, RunSettings& s);
void read_config_file(const std::string& path, TrainConfig& cfg);

// Defaults, then the preset (if not empty), then the config file (if not empty), then
// `flags` (TrainConfig keys), `ddpg_flags` (DdpgConfig keys, without `ddpg-`) and
// `ars_flags` (ArsConfig keys, without `ars-`); all validated. `ddpg_flags` need algo
// ddpg, `ars_flags` and the file's `ars-*` keys algo ars. With algo ars, ARS's
// settings start from the preset's (or, without one, those of the preset named like
// the environment: RL Zoo's for it), and so does the step budget when neither the
// preset, the file nor the flags give one.
RunSettings resolve_settings(const std::string& preset, const std::string& config_path,
                             const std::map<std::string, std::string>& flags,
                             const std::map<std::string, std::string>& ddpg_flags,
                             const std::map<std::string, std::string>& ars_flags = {});

// The settings as a config file (`--print-config`): every TrainConfig key for algo
// local; the shared keys and the `ddpg-*` keys for algo ddpg; the shared keys,
// `threads` and the `ars-*` keys for algo ars.
std::string settings_text(const RunSettings& s);

}  // namespace coagent::cli
