// src/ddpg/ddpg_run.hpp — the run state of a DdpgLearner and its checkpoint bytes.
// Internal to the library.
#pragma once

#include <memory>
#include <vector>

#include "coagent/ddpg.hpp"
#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"
#include "runtime/run_state.hpp"

namespace coagent::detail {

struct DdpgRun {
  DdpgAgent agent;
  std::unique_ptr<Env> env;
  std::vector<double> obs, next, action;
  double episode_return = 0.0;
  std::int64_t episode_length = 0;
  EpisodeCounters counters;
};

// Checkpoint payload after the settings: counters, recent returns, the agent with
// its replay buffer (DdpgAgent::save), then the environment (state, elapsed steps,
// stream), the observation and the episode's return and length.
void put_ddpg_run(io::ByteWriter& w, const DdpgRun& run);
// Reads what put_ddpg_run wrote; the environment comes from `factory`. Throws
// std::runtime_error through r.fail on anything inconsistent.
std::unique_ptr<DdpgRun> read_ddpg_run(io::ByteReader& r, const EnvFactory& factory);

}  // namespace coagent::detail
