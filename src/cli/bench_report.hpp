// src/cli/bench_report.hpp — what `coagent bench` measured, and its printers (text
// table, JSON, CSV, gnuplot). Internal to the CLI.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/bench.hpp"

namespace coagent::cli {

// One configuration. The rates are over the rounds; the ratios are the medians of the
// ratios taken within each round (the configurations they compare ran side by side).
struct BenchRow {
  std::string mode;  // fused | lockstep | async | raw (the environments alone)
  int threads = 1, shard = 0, envs = 1;
  double median = 0, min = 0, max = 0;  // env steps/s
  double neuron_updates = 0;            // per second, at the median
  double ratio_to_fused = 0;            // ÷ the fused loop with the same envs
  double speedup = 0;                   // ÷ the same configuration at 1 thread
  double ratio_to_raw = 0;              // ÷ the environments alone, same threads and envs
  double roofline_fraction = 0;         // the memory floor's time per step ÷ the measured one
};

struct DdpgRow {
  int batch = 0;
  double median_us = 0, min_us = 0, max_us = 0;
};

struct BenchResult {
  std::string label;
  std::int64_t steps = 0, neurons = 0, bytes_per_step = 0;
  std::map<int, std::string> fused_digest;  // per envs
  std::map<int, double> bandwidth;          // per thread count: median over the rounds
  std::vector<BenchRow> rows;
  std::vector<DdpgRow> ddpg;
  nlohmann::json peers;  // peer_rates() (bench_peers.hpp), or null when not measured
};

void print_bench(const BenchOptions& o, const BenchResult& r);

}  // namespace coagent::cli
