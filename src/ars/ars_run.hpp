// src/ars/ars_run.hpp — the run state of an ArsLearner, one iteration over it, and its
// checkpoint bytes. Internal to the library.
#pragma once

#include <memory>
#include <vector>

#include "ars/policy.hpp"
#include "coagent/ars.hpp"
#include "coagent/executor.hpp"
#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"
#include "runtime/run_state.hpp"

namespace coagent::detail {

struct ArsRun {
  ArsConfig config;
  ars::PolicyShape shape;
  Box action_bounds;
  std::vector<double> theta;
  RunningStats stats;  // of every observation the rollouts saw, merged per iteration
  Pcg32 directions;     // the stream the directions are drawn from
  std::int64_t iterations = 0;
  EpisodeCounters counters;
  // One environment per candidate (2 * directions); every rollout resets its own with a
  // seed, so they carry nothing from one iteration to the next and are not saved.
  std::vector<std::unique_ptr<Env>> envs;
};

// A fresh run: parameters initialised from `seed`, environments from `factory`.
std::unique_ptr<ArsRun> make_ars_run(const ArsConfig& c, const EnvFactory& factory,
                                     std::uint64_t seed);
// Makes the 2 * directions rollout environments, checking each against the shape.
void make_rollout_envs(ArsRun& run, const EnvFactory& factory);

// One iteration: draws the directions, runs the 2 * directions rollouts (on
// `executor`, or in order on this thread when it is null), then in candidate order
// counts the steps and episodes (reporting each episode to `on_episode`), merges the
// observation statistics and updates theta. Nothing changes when a rollout throws: the
// exception of the lowest candidate is rethrown. A non-finite parameter after the
// update throws DivergenceError.
void run_ars_iteration(ArsRun& run, std::uint64_t seed, Executor* executor,
                       const EpisodeFn& on_episode);

// The scaled-to-environment greedy action: normalise, forward, unscale. `scratch`
// holds obs_size + 2 * max_width() values.
void ars_act(const ArsRun& run, std::span<const double> obs, std::span<double> scratch,
             std::span<double> action) noexcept;

// The learned and resumable state (the digest's bytes): counters, recent returns,
// iterations, widths, theta, observation statistics, the direction stream.
void put_ars_state(io::ByteWriter& w, const ArsRun& run);
// Checkpoint payload after the run's settings: the ARS settings as text, then the state.
void put_ars_run(io::ByteWriter& w, const ArsRun& run);
// Reads what put_ars_run wrote; environments come from `factory`. Throws
// std::runtime_error through r.fail on anything inconsistent.
std::unique_ptr<ArsRun> read_ars_run(io::ByteReader& r, const EnvFactory& factory);

}  // namespace coagent::detail
