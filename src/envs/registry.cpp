// src/envs/registry.cpp — the built-in environments: one table (registry_rows) that
// make_env, the settings' --env help, Python's coagent.make and the docs read; and the
// checks every environment shares.
#include <cmath>
#include <stdexcept>
#include <string>

#include "envs.hpp"

namespace coagent {

namespace envs {
// The environments' constructors (each in its own file).
std::unique_ptr<Env> make_chain();
std::unique_ptr<Env> make_mountain_car();
std::unique_ptr<Env> make_pendulum();
std::unique_ptr<Env> make_synthetic();
}  // namespace envs

namespace {

// Every built-in environment: one row each, one line per family. A row's fields:
// {name, Gymnasium's id, family, float32 observations, float32 actions, Gymnasium's
// reward threshold}.
std::vector<envs::Registered> registry_rows() {
  std::vector<envs::Registered> rows = {
      {{"chain", "", "coagent", false, false, {}}, envs::make_chain},
      {{"mountaincar", "MountainCarContinuous-v0", "classic", true, true, 90.0},
       envs::make_mountain_car},
      {{"pendulum", "Pendulum-v1", "classic", true, true, {}}, envs::make_pendulum},
      {{"synthetic", "", "coagent", false, false, {}}, envs::make_synthetic},
  };
  for (envs::Registered& r : envs::mujoco_family()) rows.push_back(std::move(r));
  for (envs::Registered& r : rows) r.info.available = r.make != nullptr;
  return rows;
}

const std::vector<envs::Registered>& registry() {
  static const std::vector<envs::Registered> rows = registry_rows();
  return rows;
}

}  // namespace

const std::vector<EnvInfo>& builtin_envs() {
  static const std::vector<EnvInfo> infos = [] {
    std::vector<EnvInfo> out;
    for (const envs::Registered& r : registry()) out.push_back(r.info);
    return out;
  }();
  return infos;
}

std::vector<std::string> builtin_env_names() {
  std::vector<std::string> names;
  for (const envs::Registered& r : registry())
    if (r.make) names.push_back(r.info.name);
  return names;
}

std::unique_ptr<Env> make_env(std::string_view name) {
  for (const envs::Registered& r : registry()) {
    if (r.info.name != name) continue;
    if (!r.make) throw std::invalid_argument(std::string(name) + " " + r.missing);
    return r.make();
  }
  std::string known;
  const auto names = builtin_env_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    known += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  throw std::invalid_argument("unknown environment '" + std::string(name) + "' (expected " +
                              known + ")");
}

std::unique_ptr<Env> make_checked_env(const EnvFactory& factory) {
  std::unique_ptr<Env> env = factory ? factory() : nullptr;
  if (!env) throw std::invalid_argument("environment factory returned null");
  if (env->observation_size() < 1 || env->action_size() < 1)
    throw std::invalid_argument("environment '" + std::string(env->name()) +
                                "' has an empty observation or action");
  return env;
}

EnvFactory builtin_env_factory(std::string name) {
  return [name = std::move(name)] { return make_env(name); };
}

EnvFactory factory_or_builtin(EnvFactory factory, const std::string& name) {
  if (factory) return factory;
  make_env(name);  // throws on an unknown name
  return builtin_env_factory(name);
}

void Env::set_state(std::span<const double> state) {
  if (!state.empty())
    throw std::invalid_argument(std::string(name()) + ": this environment has no settable state");
}

void check_finite_action(std::string_view env, std::span<const double> action) {
  for (std::size_t i = 0; i < action.size(); ++i)
    if (!std::isfinite(action[i]))
      throw std::invalid_argument(std::string(env) + ": action[" + std::to_string(i) +
                                  "] is " + std::to_string(action[i]) +
                                  ", expected a finite number");
}

}  // namespace coagent
