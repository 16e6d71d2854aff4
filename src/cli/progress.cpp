// src/cli/progress.cpp — progress bar and evaluation table.
#include "cli/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <string>

namespace coagent::cli {

namespace {
std::string rate(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}
}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out) : out_(out), tty_(::isatty(::fileno(out)) != 0) {}

void ProgressPrinter::operator()(const TrainProgress& p) {
  const double frac = p.total_steps > 0 ? static_cast<double>(p.step) / p.total_steps : 1.0;
  const std::string ret = p.has_recent_return ? fmt::format("{:.2f}", p.recent_return) : "-";
  const std::string stats =
      fmt::format("{}/{} steps | {} episodes | return(last 20) {} | {} steps/s", p.step,
                  p.total_steps, p.episodes, ret, rate(p.steps_per_second));
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth);
    fmt::print(out_, "\r[{}{}] {:3.0f}% {}\x1b[K", std::string(filled, '#'),
               std::string(kWidth - filled, '.'), 100 * frac, stats);
    drawn_ = true;
  } else {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    fmt::print(out_, "progress {:3.0f}% {}\n", 100 * frac, stats);
  }
  std::fflush(out_);
}

void ProgressPrinter::line(std::string_view text) {
  std::lock_guard lock(line_mutex_);
  if (tty_ && drawn_) {
    fmt::print(out_, "\n");
    drawn_ = false;
  }
  if (out_ == stderr) std::fflush(stdout);
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

void ProgressPrinter::finish() {
  if (tty_ && drawn_) fmt::print(out_, "\n");
  std::fflush(out_);
}

void print_eval_table(std::FILE* out, const EvalResult& r) {
  fmt::print(out, "evaluation: {}, {} greedy episodes, seed {}\n", r.env, r.episodes, r.seed);
  fmt::print(out, "  {:<14}{:.2f} ± {:.2f}  (min {:.2f}, max {:.2f})\n", "mean return",
             r.mean_return, r.std_return, r.min_return, r.max_return);
  fmt::print(out, "  {:<14}{:.0f}%\n", "success rate", 100 * r.success_rate);
  fmt::print(out, "  {:<14}{:.1f}\n", "mean length", r.mean_length);
  fmt::print(out, "  {:<14}{} ({})\n", "solved", r.solved ? "yes" : "no", r.criterion);
}

}  // namespace coagent::cli
