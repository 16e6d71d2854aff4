// src/run/metrics.cpp — the JSONL metrics file (format in metrics.hpp).
#include "run/metrics.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "coagent/placement.hpp"
#include "coagent/run.hpp"

namespace coagent {
namespace {

// ordered_json: "type" stays the first key of every line.
using json = nlohmann::ordered_json;

std::string dump_line(const json& j) {
  // Invalid UTF-8 cannot come from the settings, but a metrics line must never throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
}

// A setting's config-file text as a JSON value: quoted strings, numbers and booleans
// are already JSON literals; anything else stays text.
json setting_value(const std::string& text) {
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return v.is_discarded() ? json(text) : v;
}

}  // namespace

MetricsWriter::MetricsWriter(const std::string& path, const Learner& learner)
    : path_(path), tmp_path_(path + ".tmp") {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) throw std::invalid_argument("--metrics: empty path");
  if (fs::is_directory(path, ec))
    throw std::invalid_argument(fmt::format("--metrics: '{}' is a directory", path));
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument(
        fmt::format("--metrics: directory '{}' of '{}' does not exist", dir.string(), path));
  file_ = std::fopen(tmp_path_.c_str(), "w");
  if (file_ == nullptr)
    throw std::invalid_argument(fmt::format("--metrics: cannot open '{}' for writing: {}",
                                            tmp_path_, std::strerror(errno)));
  const TrainConfig& cfg = learner.config();
  json settings = json::object();
  for (const auto& [key, value] : settings_entries(run_settings_of(learner)))
    settings[key] = setting_value(value);
  const bool local = cfg.algo == Algo::local;
  json run{{"type", "run"},
           {"env", cfg.env},
           {"algo", to_string(cfg.algo)},
           {"rule", local ? to_string(cfg.rule) : to_string(cfg.algo)},
           {"seed", cfg.seed},
           {"shape", learner.shape()},
           {"steps", cfg.steps}};
  if (local) run["mode"] = to_string(resolved_mode(cfg, learner.shape()));  // the one used
  run["settings"] = settings;
  write_line(dump_line(run));
}

MetricsWriter::~MetricsWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsWriter::write_line(const std::string& line) {
  // Errors are remembered, not thrown: episode() runs inside the async runtime's
  // callback. finish() reports them.
  if (file_ == nullptr || write_error_ != 0) return;
  errno = 0;
  if (std::fputs(line.c_str(), file_) == EOF || std::fflush(file_) != 0)
    write_error_ = errno != 0 ? errno : EIO;
}

void MetricsWriter::episode(const EpisodeRecord& e) {
  write_line(dump_line(json{{"type", "episode"},
                            {"step", e.step},
                            {"episode", e.episode},
                            {"return", e.episode_return},
                            {"length", e.length},
                            {"env_index", e.env_index}}));
}

void MetricsWriter::layers(std::int64_t step, const std::vector<LayerStats>& stats) {
  json arr = json::array();
  for (const LayerStats& s : stats)
    arr.push_back({{"layer", s.layer},
                   {"mean_abs_td", s.mean_abs_td},
                   {"action_coef_mean", s.action_coef_mean},
                   {"action_coef_std", s.action_coef_std},
                   {"weight_norm", s.weight_norm},
                   {"exploration_scale", s.mean_abs_noise},
                   {"updates", s.updates}});
  write_line(dump_line(json{{"type", "layers"}, {"step", step}, {"layers", arr}}));
}

nlohmann::json eval_to_json(const EvalResult& r) {
  return nlohmann::json{{"env", r.env},
                        {"episodes", r.episodes},
                        {"seed", r.seed},
                        {"mean_return", r.mean_return},
                        {"std_return", r.std_return},
                        {"min_return", r.min_return},
                        {"max_return", r.max_return},
                        {"success_rate", r.success_rate},
                        {"mean_length", r.mean_length},
                        {"solved", r.solved},
                        {"criterion", r.criterion}};
}

void MetricsWriter::evaluation(const EvalResult& r) {
  json line = eval_to_json(r);
  line["type"] = "eval";
  write_line(dump_line(line));
}

void MetricsWriter::finish() {
  if (file_ == nullptr)
    throw std::runtime_error(fmt::format("metrics file '{}' already finished", path_));
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (write_error_ != 0 || !closed)
    throw std::runtime_error(
        fmt::format("cannot write metrics file '{}': {} (partial lines kept in '{}')", tmp_path_,
                    std::strerror(write_error_ != 0 ? write_error_ : errno), tmp_path_));
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("cannot rename '{}' to '{}': {}", tmp_path_, path_, ec.message()));
}

}  // namespace coagent
