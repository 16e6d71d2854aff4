// src/cli/progress.hpp — the CLI's progress reports: the training progress bar (a
// redrawn line on a terminal, plain periodic lines otherwise), the one-line reports
// of longer commands (a seed of an experiment done, a bench measurement), and the
// evaluation table.
#pragma once

#include <cstdio>
#include <mutex>
#include <string_view>

#include "coagent/trainer.hpp"

namespace coagent::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::FILE* out);
  // Training progress (driver thread).
  void operator()(const TrainProgress& p);
  // One report line (`text` and a line break), printed whole and flushed; safe to
  // call from several threads at once (experiment seeds finishing). Ends a drawn bar
  // first.
  void line(std::string_view text);
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  int last_decile_ = -1;
  bool drawn_ = false;
  std::mutex line_mutex_;
};

void print_eval_table(std::FILE* out, const EvalResult& r);

}  // namespace coagent::cli
