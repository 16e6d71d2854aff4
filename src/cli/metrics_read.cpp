// src/cli/metrics_read.cpp — reading the metrics files of `coagent train --metrics`
// back (for `coagent plot`; see metrics.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "cli/metrics.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

double number_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    throw std::invalid_argument(fmt::format("{}: expected a number \"{}\"", where, key));
  return it->get<double>();
}

std::string string_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw std::invalid_argument(fmt::format("{}: expected a string \"{}\"", where, key));
  return it->get<std::string>();
}

}  // namespace

RunCurve read_metrics(const std::string& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw std::invalid_argument(
        fmt::format("plot: '{}' is a directory, expected a metrics file", file));
  std::ifstream in(file);
  if (!in)
    throw std::invalid_argument(
        fmt::format("plot: cannot read metrics file '{}': {}", file,
                    fs::exists(file, ec) ? "permission denied" : "no such file"));
  RunCurve run;
  run.file = file;
  bool have_run = false;
  std::vector<std::pair<double, double>> points;
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = fmt::format("plot: {}:{}", file, line_no);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw std::invalid_argument(fmt::format("{}: not valid JSON", where));
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
      throw std::invalid_argument(fmt::format("{}: expected a JSON object with a \"type\"", where));
    const std::string type = j["type"].get<std::string>();
    if (!have_run && type != "run")
      throw std::invalid_argument(fmt::format(
          "{}: a line of type \"{}\" before the \"run\" line (a metrics file of coagent train "
          "--metrics starts with its \"run\" line)",
          where, type));
    if (type == "run") {
      if (have_run)
        throw std::invalid_argument(fmt::format(
            "{}: a second \"run\" line (concatenated files? pass each run as its own argument)",
            where));
      have_run = true;
      run.env = string_field(j, "env", where);
      run.rule = string_field(j, "rule", where);
      const double seed = number_field(j, "seed", where);
      if (seed < 0) throw std::invalid_argument(fmt::format("{}: negative seed", where));
      run.seed = static_cast<std::uint64_t>(seed);
      if (auto it = j.find("mode"); it != j.end() && it->is_string())
        run.mode = it->get<std::string>();
      if (auto it = j.find("shape"); it != j.end() && it->is_array())
        for (const auto& w : *it)
          if (w.is_number_integer()) run.shape.push_back(w.get<int>());
    } else if (type == "episode") {
      const double step = number_field(j, "step", where);
      // A non-finite return is written as null: there is no point to draw.
      if (auto it = j.find("return"); it != j.end() && it->is_null()) continue;
      points.emplace_back(step, number_field(j, "return", where));
    } else if (type == "eval") {
      EvalSummary e;
      e.mean_return = number_field(j, "mean_return", where);
      if (auto it = j.find("std_return"); it != j.end() && it->is_number())
        e.std_return = it->get<double>();
      if (auto it = j.find("episodes"); it != j.end() && it->is_number_integer())
        e.episodes = it->get<int>();
      if (auto it = j.find("solved"); it != j.end() && it->is_boolean()) e.solved = it->get<bool>();
      run.eval = e;
    }
    // Other types ("layers", later additions) are not part of the learning curve.
  }
  if (in.bad()) throw std::invalid_argument(fmt::format("plot: error reading '{}'", file));
  if (!have_run)
    throw std::invalid_argument(fmt::format(
        "plot: '{}' has no \"run\" line (not a metrics file of coagent train --metrics?)", file));
  if (points.empty())
    throw std::invalid_argument(fmt::format(
        "plot: '{}' has no episode lines (the run finished no episode; train longer)", file));
  // Async runs with several environments report episodes nearly, not exactly, in order.
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [s, r] : points) {
    run.steps.push_back(s);
    run.returns.push_back(r);
  }
  return run;
}

}  // namespace coagent::cli
