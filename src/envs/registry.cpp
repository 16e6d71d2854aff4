// src/envs/registry.cpp — built-in environments by name, and shared checks.
#include <cmath>
#include <stdexcept>
#include <string>

#include "envs.hpp"

namespace coagent {

std::vector<std::string> builtin_env_names() {
  std::vector<std::string> names = {"chain", "mountaincar", "pendulum", "synthetic"};
  for (std::string& n : envs::mujoco_env_names()) names.push_back(std::move(n));
  return names;
}

std::unique_ptr<Env> make_env(std::string_view name) {
  if (name == "chain") return envs::make_chain();
  if (name == "mountaincar") return envs::make_mountain_car();
  if (name == "pendulum") return envs::make_pendulum();
  if (name == "synthetic") return envs::make_synthetic();
  if (auto env = envs::make_mujoco_env(name)) return env;
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
