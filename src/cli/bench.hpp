// src/cli/bench.hpp — `coagent bench`: training throughput of fused, lockstep and
// async modes over threads, shard sizes and environments in flight.
#pragma once

#include <string>
#include <vector>

#include "coagent/config.hpp"

namespace coagent::cli {

struct BenchOptions {
  std::string net = "small";  // small | medium | wide | comma-separated hidden widths
  std::string env;            // default: mountaincar (synthetic for wide)
  std::vector<int> threads;   // default 1..cores
  std::vector<int> shard_sizes = {1, 8, 64};  // 0 = auto
  std::vector<int> envs = {1};
  std::vector<std::string> modes = {"fused", "lockstep", "async"};
  bool mpi = false;  // --mode mpi: the distributed bench (bench_mpi.cpp), under mpirun
  Rule rule = Rule::linear;
  std::int64_t steps = 0;  // per repetition; 0 = sized for ~0.3 s
  int reps = 3;
  bool ddpg = true;  // also time one DDPG update (batch 64 and 256) on the same widths
  bool peers = true;  // with --env: EnvPool's and SB3 TD3's rates beside (bench_peers.hpp)
  bool json = false;
  std::string csv;
  std::string plot;
};

int run_bench(const BenchOptions& o);
int run_bench_mpi(const BenchOptions& o);
// The bench's network for o.net (label: its name and shape).
TrainConfig bench_config(const BenchOptions& o, std::string& label);

}  // namespace coagent::cli
