// src/cli/commands.hpp — the subcommands behind `coagent` (cli.cpp parses the flags
// and calls these). Each is a thin layer over the library; errors are exceptions,
// which cli.cpp turns into one line on stderr and exit code 2.
#pragma once

#include <map>
#include <string>

namespace coagent::cli {

inline constexpr int kExitBadInput = 2;
inline constexpr int kExitDiverged = 3;

struct TrainArgs {
  std::string preset;
  std::map<std::string, std::string> settings;       // --key value, as given
  std::map<std::string, std::string> ddpg_settings;  // --ddpg-key value, without the prefix
  std::map<std::string, std::string> ars_settings;   // --ars-key value, without the prefix
  std::string save;
  std::string config;
  std::string resume;
  std::string checkpoint_every;
  std::string metrics;
  std::string metrics_every = "1000";
  bool json = false;
  bool print_config = false;
};

int cmd_train(const TrainArgs& a);
int cmd_eval(const std::string& load, const std::string& episodes, const std::string& seed,
             bool as_json, const std::string& gif, bool ascii);
int cmd_inspect(const std::string& path, bool as_json);
int cmd_replay(const std::string& env_name, const std::string& state_text);

}  // namespace coagent::cli
