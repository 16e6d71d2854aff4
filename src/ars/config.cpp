// src/ars/config.cpp — ArsConfig's settings table (every key once, with its member,
// range and help) and what derives from it: validation, entries, parsing, text.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "settings/table.hpp"

namespace coagent {
namespace {

using Table = settings::Table<ArsConfig>;

Table make_table() {
  Table t;
  t.style = {"ars ", true, false};
  using C = ArsConfig;
  t.widths("hidden", &C::hidden, "policy hidden layer widths (\"\" for a linear policy)");
  t.choice("activation", &C::activation, {ArsActivation::tanh, ArsActivation::relu},
           "hidden units' activation (relu: sb3-contrib's MlpPolicy)");
  t.integer("directions", &C::directions, 1, 4096,
            "random directions per iteration (n_delta; 2 episodes each)");
  t.integer("top", &C::top, 1, 4096,
            "best directions by max(r+, r-) used in the update (n_top; at most directions)");
  t.real("step", &C::step, 0.0, 1e6, "step size alpha (learning_rate)");
  t.real("noise", &C::noise, 1e-12, 1e6, "perturbation standard deviation nu (delta_std)");
  t.flag("zero-init", &C::zero_init, "start from all-zero parameters (zero_policy)");
  t.flag("squash", &C::squash, "tanh output (false: clipped to [-1, 1])");
  t.flag("obs-norm", &C::obs_norm, "normalise observations by the running mean/std of visited states (V2)");
  t.real("obs-clip", &C::obs_clip, 1e-6, 1e300, "normalised observations are clipped to +-this");
  t.real("alive-bonus-offset", &C::alive_bonus_offset, -1e6, 1e6,
         "added to each step's reward when ranking directions, not to reported returns "
         "(alive_bonus_offset)");
  return t;
}

const Table& table() { return settings::built_once<Table, make_table>(); }

}  // namespace

std::string_view to_string(ArsActivation a) noexcept {
  return a == ArsActivation::relu ? "relu" : "tanh";
}

void ArsConfig::validate() const {
  table().validate(*this);
  if (top > directions)
    throw std::invalid_argument(fmt::format(
        "ars top: {} is above ars directions {} (the best `top` of the directions are used)",
        top, directions));
}

const std::vector<SettingInfo>& ars_config_settings() {
  static const std::vector<SettingInfo> infos = table().infos();
  return infos;
}

std::vector<std::pair<std::string, std::string>> ars_config_entries(const ArsConfig& c) {
  return table().entries(c, false);
}

void set_ars_config_entry(ArsConfig& c, std::string_view key, std::string_view value) {
  if (!table().set(c, key, value))
    throw std::invalid_argument(fmt::format("ars: unknown setting '{}' (value '{}')", key, value));
}

std::string ars_config_to_text(const ArsConfig& c, std::string_view key_prefix) {
  return table().text(c, key_prefix);
}

}  // namespace coagent
