// coagent/presets.hpp — the named presets: the best settings found for each task, for
// every algorithm (`coagent train --preset`, Python's Agent(preset=...), exp2's grid).
// Threading: the presets are built once, on first use, and read-only after.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"

namespace coagent {

struct Preset {
  std::string name;
  std::string summary;
  // TrainConfig entries (config-file keys), applied over the defaults.
  std::vector<std::pair<std::string, std::string>> settings;
  // DdpgConfig entries for the ddpg column (actor and critic hidden sizes are set to
  // the preset's network).
  std::vector<std::pair<std::string, std::string>> ddpg_settings;
  // ArsConfig entries over ARS's defaults: the ars column, and `train --algo ars` on the
  // preset's environment (preset_for_env).
  std::vector<std::pair<std::string, std::string>> ars_settings;
  // `train --algo ars`'s step budget on this environment when none is given (RL Zoo's
  // n_timesteps); 0: the shared default.
  std::int64_t ars_steps = 0;
};

const std::vector<Preset>& presets();
// Throws std::invalid_argument naming the unknown preset and the known ones.
const Preset& find_preset(std::string_view name);
// Sets every entry of the preset on `cfg` (later settings may override them).
void apply_preset(TrainConfig& cfg, std::string_view name);
// The ddpg column's settings for a local-rule configuration and a preset.
DdpgConfig ddpg_config_for(const TrainConfig& cfg, const Preset& preset);
// ARS's settings for a preset: the defaults with its ars_settings applied.
ArsConfig ars_config_for(const Preset& preset);
// The preset named like the built-in environment `env` or training on it, or null.
const Preset* preset_for_env(std::string_view env);

}  // namespace coagent
