// src/cli/envs.cpp — `coagent envs`: the built-in environments, one line each, from the
// registry's table (src/envs/registry.cpp), the one list the CLI, Python's coagent.make
// and the docs read.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.hpp"
#include "coagent/env.hpp"

namespace coagent::cli {
namespace {

int cmd_envs(bool as_json) {
  nlohmann::json rows = nlohmann::json::array();
  if (!as_json)
    fmt::print("{:<26} {:<26} {:<8} {:>4} {:>4} {:>10}  {}\n", "name", "Gymnasium id", "family",
               "obs", "act", "threshold", "built");
  for (const EnvInfo& e : builtin_envs()) {
    int obs = 0, act = 0;
    if (e.available) {
      const auto env = make_env(e.name);
      obs = env->observation_size();
      act = env->action_size();
    }
    const std::string threshold =
        e.reward_threshold ? fmt::format("{:g}", *e.reward_threshold) : std::string("-");
    if (as_json) {
      rows.push_back({{"name", e.name}, {"gymnasium_id", e.gymnasium_id}, {"family", e.family},
                      {"observation_size", obs}, {"action_size", act},
                      {"reward_threshold", e.reward_threshold ? nlohmann::json(*e.reward_threshold)
                                                              : nlohmann::json(nullptr)},
                      {"available", e.available}});
      continue;
    }
    fmt::print("{:<26} {:<26} {:<8} {:>4} {:>4} {:>10}  {}\n", e.name,
               e.gymnasium_id.empty() ? "-" : e.gymnasium_id, e.family,
               e.available ? std::to_string(obs) : "-", e.available ? std::to_string(act) : "-",
               threshold, e.available ? "yes" : "no (needs MuJoCo)");
  }
  if (as_json) fmt::print("{}\n", rows.dump());
  return 0;
}

}  // namespace

void add_envs(CLI::App& app, Command& chosen) {
  auto as_json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("envs", "list the built-in environments (the registry's table)");
  sub->add_flag("--json", *as_json, "print one JSON array");
  choose_when_parsed(*sub, chosen, [as_json] { return cmd_envs(*as_json); });
}

}  // namespace coagent::cli
