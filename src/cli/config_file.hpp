// src/cli/config_file.hpp — TOML config files for `coagent train --config FILE`,
// read with CLI11's TOML parser; every key goes through set_config_entry().
#pragma once

#include <string>
#include <string_view>

#include "coagent/config.hpp"

namespace coagent::cli {

// Applies the TOML text's settings to cfg. Unknown keys, sections, bad values:
// std::invalid_argument naming `source`, the key and the value.
void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source);

// Reads a config file (a regular text file of at most 1 MiB) and applies it.
void read_config_file(const std::string& path, TrainConfig& cfg);

}  // namespace coagent::cli
