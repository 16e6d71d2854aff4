// coagent/run.hpp — assembling a run, for every front end (the CLI, Python, exp2 and
// embedding applications): the settings of every algorithm resolved from defaults, a
// preset, a config file and flags; and the algorithm registry that makes a Learner
// from them (coagent/checkpoint.hpp's load_learner reads one back the same way).
//
// Settings text: `key = value` lines read by read_settings_text (coagent/config.hpp),
// the same reader as a checkpoint's settings block; `ddpg-KEY` entries are DdpgConfig
// settings, `ars-KEY` entries ArsConfig ones, every other key a TrainConfig one (which
// algorithms read it: setting_applies).
//
// Threading: every function here is thread-safe (no shared state).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/learner.hpp"

namespace coagent {

// The settings of one run: the local-rule (and shared) settings, the DDPG ones (used
// when cfg.algo is ddpg) and the ARS ones (when it is ars).
struct RunSettings {
  TrainConfig cfg;
  DdpgConfig ddpg;
  ArsConfig ars;
};

using SettingFlags = std::map<std::string, std::string>;

// Defaults, then the preset (if not empty), then the config file (if not empty), then
// `flags` (TrainConfig keys), `ddpg_flags` (DdpgConfig keys, without `ddpg-`) and
// `ars_flags` (ArsConfig keys, without `ars-`); all validated. `ddpg_flags` need algo
// ddpg, `ars_flags` and the file's `ars-*` keys algo ars, and a TrainConfig flag the
// algorithm does not read is refused. With algo ars, ARS's settings start from the
// preset's (or, without one, those of the preset named like the environment: RL Zoo's
// for it), and so does the step budget when neither the preset, the file nor the
// flags give one. Throws std::invalid_argument naming the bad key or value.
RunSettings resolve_settings(const std::string& preset, const std::string& config_path,
                             const SettingFlags& flags, const SettingFlags& ddpg_flags,
                             const SettingFlags& ars_flags = {});

// Applies a settings text. Unknown keys, sections, bad values: std::invalid_argument
// naming `source`, the key and the value.
void apply_config_toml(std::string_view text, RunSettings& s, std::string_view source);
// The same for the local-rule settings only (a `ddpg-*` or `ars-*` key is refused).
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source);
// Reads a config file (a regular text file of at most 1 MiB) and applies it.
void read_config_file(const std::string& path, RunSettings& s);
void read_config_file(const std::string& path, TrainConfig& cfg);

// The settings the run's algorithm reads, as ordered (key, value) pairs in config-file
// syntax: the TrainConfig keys it reads, then its own with their prefix (`ddpg-*`,
// `ars-*`).
std::vector<std::pair<std::string, std::string>> settings_entries(const RunSettings& s);
// The same as a config file (`--print-config`).
std::string settings_text(const RunSettings& s);

// --- the algorithm registry ----------------------------------------------------------

// A new run of s.cfg.algo, its environments from `factory` (default: the built-in
// environment s.cfg.env names). Throws std::invalid_argument as the Learner does.
std::unique_ptr<Learner> make_learner(const RunSettings& s, EnvFactory factory = {});
// The settings of a constructed learner (any algorithm).
RunSettings run_settings_of(const Learner& l);

}  // namespace coagent
