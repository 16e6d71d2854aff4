// src/cli/metrics.hpp — reading a run's metrics file back (`coagent plot`); the file
// and its writer: coagent/metrics.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "run/metrics.hpp"

namespace coagent::cli {

using coagent::eval_to_json;
using coagent::MetricsWriter;

struct EvalSummary {
  double mean_return = 0.0, std_return = 0.0;
  int episodes = 0;
  bool solved = false;
};

// One metrics file as `coagent plot` draws it.
struct RunCurve {
  std::string file;
  std::string env, rule, mode;
  std::uint64_t seed = 0;
  std::vector<int> shape;
  std::vector<double> steps, returns;  // one per finished episode, by step
  std::optional<EvalSummary> eval;
};

// Reads `file`. Throws std::invalid_argument naming the file (and line) when it is
// missing, unreadable, not JSON lines, has no "run" line first or no episode lines.
// Episodes whose return was not finite (null) are skipped; the rest are sorted by
// step (async runs report them nearly, not exactly, in order).
RunCurve read_metrics(const std::string& file);

}  // namespace coagent::cli
