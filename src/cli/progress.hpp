// src/cli/progress.hpp — the training progress bar (a redrawn line on a terminal,
// plain periodic lines otherwise) and the evaluation table.
#pragma once

#include <cstdio>

#include "coagent/trainer.hpp"

namespace coagent::cli {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::FILE* out);
  void operator()(const TrainProgress& p);
  void finish();

 private:
  std::FILE* out_;
  bool tty_;
  int last_decile_ = -1;
  bool drawn_ = false;
};

void print_eval_table(std::FILE* out, const EvalResult& r);

}  // namespace coagent::cli
