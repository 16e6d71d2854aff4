// src/run/metrics.hpp — the JSONL metrics file of a run (`coagent train --metrics FILE`,
// Python's Agent(metrics=...)); internal: it speaks nlohmann::json.
//
// One JSON object per line, in this order:
//   {"type":"run", "env", "algo", "rule", "seed", "shape":[...], "steps", "mode",
//    "settings":{...}}       (DDPG: "rule":"ddpg", no "mode"; settings are the shared
//                             keys and the ddpg-* keys; ARS: "rule":"ars", the
//                             shared keys, threads and the ars-* keys)
//   {"type":"episode", "step", "episode", "return", "length", "env_index"}   per episode
//   {"type":"layers", "step", "layers":[{"layer", "mean_abs_td", "action_coef_mean",
//     "action_coef_std", "weight_norm", "exploration_scale", "updates"}]}   every N steps
//   {"type":"eval", "env", "episodes", "seed", "mean_return", "std_return",
//     "min_return", "max_return", "success_rate", "mean_length", "solved", "criterion"}
// Non-finite numbers are written as null.
//
// Lines go to PATH.tmp and are flushed as written; finish() renames PATH.tmp to
// PATH. A run that fails or dies therefore never leaves a half-written file at
// PATH: only PATH.tmp, which is kept as the record of what happened before the
// failure (for example the steps leading to a divergence).
//
// Threading: a MetricsWriter is not thread-safe. episode() may be called from a
// worker thread (the async runtime's episode callback) as long as no two calls on
// the same writer overlap, which the runtime guarantees for episode callbacks and
// the CLI guarantees for the rest (layers() and evaluation() run on the driver
// thread between train() calls).
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/learner.hpp"

namespace coagent {

// The fields of an evaluation as JSON (`eval --json`, the metrics file's eval line).
nlohmann::json eval_to_json(const EvalResult& r);

class MetricsWriter {
 public:
  // Opens PATH.tmp and writes the "run" line. Throws std::invalid_argument naming
  // the path if it cannot be opened (missing directory, a directory at PATH, no
  // permission).
  MetricsWriter(const std::string& path, const Learner& learner);
  // Closes PATH.tmp without renaming it if finish() was not called.
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  void episode(const EpisodeRecord& e);
  void layers(std::int64_t step, const std::vector<LayerStats>& stats);
  void evaluation(const EvalResult& r);
  // Closes the file and renames PATH.tmp to PATH. Throws std::runtime_error naming
  // the path on an I/O failure (a full disk shows up here at the latest).
  void finish();

  const std::string& path() const noexcept { return path_; }

 private:
  void write_line(const std::string& line);

  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
  int write_error_ = 0;  // errno of the first failed write
};

}  // namespace coagent
