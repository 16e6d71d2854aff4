// src/cli/config_file.cpp — TOML config files.
#include "cli/config_file.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace coagent::cli {

void apply_config_toml(std::string_view text, TrainConfig& cfg, std::string_view source) {
  if (text.find('\0') != std::string_view::npos)
    throw std::invalid_argument(
        fmt::format("config '{}' is binary, expected a TOML text file", source));
  std::istringstream in{std::string(text)};
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const std::exception& e) {
    throw std::invalid_argument(fmt::format("config '{}': {}", source, e.what()));
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--" || !item.parents.empty())
      throw std::invalid_argument(fmt::format(
          "config '{}': sections are not supported (key '{}')", source, item.fullname()));
    std::string value;
    for (std::size_t i = 0; i < item.inputs.size(); ++i) value += (i ? "," : "") + item.inputs[i];
    try {
      set_config_entry(cfg, item.name, value);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("config '{}': {}", source, e.what()));
    }
  }
}

void read_config_file(const std::string& path, TrainConfig& cfg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw std::invalid_argument(fmt::format("config '{}' does not exist", path));
  if (!fs::is_regular_file(path, ec))
    throw std::invalid_argument(fmt::format("config '{}' is not a regular file", path));
  const auto size = fs::file_size(path, ec);
  if (ec || size > (1u << 20))
    throw std::invalid_argument(fmt::format("config '{}' is larger than 1 MiB", path));
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof())
    throw std::invalid_argument(fmt::format("cannot read config '{}'", path));
  apply_config_toml(text, cfg, path);
}

}  // namespace coagent::cli
