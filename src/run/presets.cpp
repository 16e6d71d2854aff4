// src/run/presets.cpp — the named presets (coagent/presets.hpp): the settings of the
// best runs found per environment, the ARS and DDPG settings their baseline columns
// use, and the look-ups over them.
#include "coagent/presets.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace coagent {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// Every number here comes from a sweep printed by `coagent exp2` (docs/results.md).
std::vector<Preset> classic_presets() {
  return {
      {"mountaincar",
       "MountainCarContinuous, obs-32-32-1, rule perturb (broadcast TD error, traces), 200k steps",
       {{"env", "mountaincar"}, {"rule", "perturb"}, {"hidden", "32,32"}, {"steps", "200000"},
        {"gamma", "0.99"}, {"reward-scale", "0.01"}, {"noise", "ou"},
        {"noise-scale", "0.2,1.0"}, {"ou-theta", "0.15"}, {"init-scale", "1"},
        {"explore-schedule", "episode"}, {"output-episodes", "0.7"},
        {"alpha-actor", "1e-3"}, {"alpha-hidden", "1e-2"}, {"trace-lambda", "0.95"},
        {"critic-features", "256"}, {"critic-bandwidth", "0.3"}, {"alpha-env-critic", "0.1"},
        {"critic-lambda", "0.9"}},
       {{"noise", "ou"}, {"noise-std", "0.5"}},
       // RL Zoo's ARS for MountainCarContinuous-v0 (hyperparams/ars.yml): the Pendulum
       // block (ARS's defaults) with delta_std 0.2 and n_timesteps 5e5.
       {{"noise", "0.2"}},
       500000},
      {"pendulum",
       "Pendulum-v1, obs-64-64-1, rule dfa (broadcast action gradient, random feedback), 200k steps",
       {{"env", "pendulum"}, {"rule", "dfa"}, {"hidden", "64,64"}, {"steps", "200000"},
        {"gamma", "0.99"}, {"reward-scale", "0.1"}, {"noise", "gaussian"},
        {"noise-scale", "0,1.0"}, {"init-scale", "3,1"}, {"explore-schedule", "all"},
        {"alpha-actor", "3e-3"}, {"alpha-hidden", "3e-4"}, {"alpha-action-critic", "0.1"},
        {"feedback-scale", "1"}, {"critic-features", "1024"}, {"critic-bandwidth", "0.5"},
        {"alpha-env-critic", "0.1"}, {"critic-lambda", "0.9"}},
       {},
       {},  // RL Zoo's ARS for Pendulum-v1 is ARS's defaults, n_timesteps 2e6
       2000000},
      {"chain",
       "chain, obs-8-1, the paper's linear rule (docs/design.md §3), 20k steps",
       {{"env", "chain"}, {"rule", "linear"}, {"hidden", "8"}, {"steps", "20000"}},
       {}},
  };
}


// RL Zoo's ARS for a MuJoCo task (hyperparams/ars.yml, its -v3/-v4 entry): a linear
// policy (LinearPolicy: no bias, no squashing, zero_policy), V2-t with observation
// normalisation unless `norm` is false.
Entries ars_linear(const char* step, const char* noise, const char* directions, const char* top,
                   const char* offset, bool norm = true) {
  return {{"hidden", ""},          {"squash", "false"},
          {"zero-init", "true"},   {"step", step},
          {"noise", noise},        {"directions", directions},
          {"top", top},            {"alive-bonus-offset", offset},
          {"obs-norm", norm ? "true" : "false"}};
}

// The local rule on a MuJoCo task: observations by running statistics (their bounds are
// infinite), the broadcast critic's features on those normalised units.
Entries mujoco_local(const char* env, Entries task) {
  Entries e = {{"env", env},
               {"obs-norm", "running"},
               {"rule", "perturb"},
               {"hidden", "64,64"},
               {"gamma", "0.99"},
               {"reward-scale", "0.01"},
               {"noise", "ou"},
               {"noise-scale", "0.2,1.0"},
               {"ou-theta", "0.15"},
               {"init-scale", "1"},
               {"explore-schedule", "episode"},
               {"output-episodes", "0.5"},
               {"alpha-actor", "1e-3"},
               {"alpha-hidden", "1e-2"},
               {"trace-lambda", "0.95"},
               {"critic-features", "2048"},
               {"critic-bandwidth", "2"},
               {"alpha-env-critic", "0.1"},
               {"critic-lambda", "0.9"}};
  for (auto& kv : task) e.push_back(std::move(kv));  // later entries win
  return e;
}

std::vector<Preset> mujoco_presets() {
  return {
      {"invertedpendulum",
       "InvertedPendulum-v5, obs-64-64-1, rule perturb, running obs-norm, 100k steps",
       mujoco_local("InvertedPendulum-v5", {{"steps", "100000"}, {"output-episodes", "0.7"},
                                            {"critic-features", "512"},
                                            {"critic-bandwidth", "1"}}),
       {},
       ars_linear("0.02", "0.03", "8", "4", "0"),  // no RL Zoo entry: HalfCheetah's step and noise, 8/4
       0},
      {"inverteddoublependulum",
       "InvertedDoublePendulum-v5, obs-64-64-1, rule perturb, running obs-norm, 1M steps (not tuned yet: Hopper's settings)",
       mujoco_local("InvertedDoublePendulum-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.02", "0.03", "8", "4", "0"),  // no RL Zoo entry
       0},
      {"reacher",
       "Reacher-v5, obs-64-64-2, rule perturb, running obs-norm, 1M steps (not tuned yet: Hopper's settings)",
       mujoco_local("Reacher-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.02", "0.03", "8", "4", "0"),  // no RL Zoo entry
       0},
      {"swimmer",
       "Swimmer-v5, obs-64-64-2, rule perturb, running obs-norm, 1M steps (not tuned yet: Hopper's settings)",
       mujoco_local("Swimmer-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.02", "0.01", "1", "1", "0", false),
       2000000},
      {"hopper",
       "Hopper-v5, obs-64-64-3, rule perturb, running obs-norm, 1M steps",
       mujoco_local("Hopper-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.01", "0.025", "8", "4", "-1"),
       7000000},
      {"halfcheetah",
       "HalfCheetah-v5, obs-64-64-6, rule perturb, running obs-norm, 1M steps",
       mujoco_local("HalfCheetah-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.02", "0.03", "32", "4", "0"),
       12500000},
      {"walker2d",
       "Walker2d-v5, obs-64-64-6, rule perturb, running obs-norm, 1M steps (not tuned yet: Hopper's settings)",
       mujoco_local("Walker2d-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.03", "0.025", "40", "30", "-1"),
       75000000},
      {"ant",
       "Ant-v5, obs-64-64-8, rule perturb, running obs-norm, 1M steps (not tuned yet: Hopper's settings)",
       mujoco_local("Ant-v5", {{"steps", "1000000"}}),
       {},
       ars_linear("0.015", "0.025", "60", "20", "-1"),
       75000000},
  };
}

std::vector<Preset> all_presets() {
  std::vector<Preset> all = classic_presets();
  for (Preset& p : mujoco_presets()) all.push_back(std::move(p));
  return all;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = all_presets();
  return all;
}

const Preset& find_preset(std::string_view name) {
  std::string known;
  for (const Preset& p : presets()) {
    if (p.name == name) return p;
    known += known.empty() ? p.name : ", " + p.name;
  }
  throw std::invalid_argument(fmt::format("preset: '{}' is not valid, expected one of {}", name, known));
}

void apply_preset(TrainConfig& cfg, std::string_view name) {
  for (const auto& [key, value] : find_preset(name).settings) set_config_entry(cfg, key, value);
}

ArsConfig ars_config_for(const Preset& preset) {
  ArsConfig a;
  for (const auto& [key, value] : preset.ars_settings) set_ars_config_entry(a, key, value);
  return a;
}

const Preset* preset_for_env(std::string_view env) {
  for (const Preset& p : presets()) {
    if (p.name == env) return &p;
    for (const auto& [key, value] : p.settings)
      if (key == "env" && value == env) return &p;
  }
  return nullptr;
}

DdpgConfig ddpg_config_for(const TrainConfig& cfg, const Preset& preset) {
  DdpgConfig d;
  for (const auto& [key, value] : preset.ddpg_settings) set_ddpg_config_entry(d, key, value);
  d.actor_hidden = cfg.hidden;
  d.critic_hidden = cfg.hidden;
  return d;
}

}  // namespace coagent
