// src/cli/exp1_report.hpp — what the parts of `coagent exp1` share (internal to
// exp1.cpp, the command and its tables, and exp1_files.cpp, its CSV files and plots):
// number formatting and the writers of the output directory.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli/exp1.hpp"

namespace coagent::cli {

namespace fs = std::filesystem;

// "+0.123" (or "nan"), with `digits` decimals.
std::string fixed(double v, int digits = 3);
// "%.9g" (or "nan"), for CSV files.
std::string csv_num(double v);
// "[low, high]", or "n/a" with fewer than 2 seeds.
std::string interval(const MeanInterval& m);
// "2 (64->64)": layer l + 1 and its widths.
std::string layer_name(const std::vector<int>& widths, int l);
// "2-64-64-1".
std::string shape(const std::vector<int>& widths);
// "seed 1" or "seeds 1..3".
std::string seed_range(const Exp1Options& o);
std::string rule_name(Rule r);

template <class T>
std::string join(const std::vector<T>& items, std::string_view sep) {
  std::string s;
  for (const auto& x : items) {
    if (!s.empty()) s += sep;
    s += fmt::format("{}", x);
  }
  return s;
}

// The CSV files and plots under o.out; appends every path written to `written`.
void write_exp1_files(const Exp1Options& o, const std::vector<Exp1SeedResult>& runs,
                      const std::vector<Exp1SummaryRow>& rows, std::vector<std::string>& written);
void write_probe_files(const Exp1Options& o, const std::vector<ProbeSeedResult>& runs,
                       const std::vector<ProbeSummaryRow>& rows, std::vector<std::string>& written);

}  // namespace coagent::cli
