// coagent/checkpoint.hpp — versioned binary checkpoints and the learned-state digest.
//
// File layout (little-endian):
//   magic "COAGENT\n" (8 bytes) | format version u32 | reserved u32 |
//   payload size u64 | payload | SHA-256 of the payload (32 bytes)
// The payload holds the run's settings (as config text), its counters, every
// layer's parameters, traces, noise states and random streams, and every
// environment's state, so a run resumes exactly where it stopped.
// Writing goes to a temporary file in the same directory, which is flushed,
// fsynced and renamed over the target: a crash leaves the old or the new file.
#pragma once

#include <memory>
#include <string>

#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/trainer.hpp"

namespace coagent {

inline constexpr std::uint32_t kCheckpointVersion = 2;

// Throws std::runtime_error naming the path on an I/O failure.
void save_checkpoint(const Trainer& trainer, const std::string& path);

// Throws std::runtime_error naming the path and the problem (missing, truncated,
// corrupt, wrong version, wrong shape) — never crashes on a bad file.
std::unique_ptr<Trainer> load_checkpoint(const std::string& path, EnvFactory factory = {});

// DDPG runs (`coagent train --algo ddpg`) use the same container; the payload holds
// the run's settings (algo = "ddpg"), its counters and the agent with its replay
// buffer (DdpgAgent::save).
struct DdpgCheckpoint {
  TrainConfig config;
  std::unique_ptr<DdpgAgent> agent;
  std::int64_t steps = 0;
  std::int64_t episodes = 0;
};
void save_ddpg_checkpoint(const TrainConfig& cfg, const DdpgAgent& agent, std::int64_t steps,
                          std::int64_t episodes, const std::string& path);

// Either kind of checkpoint: exactly one member is set. load_checkpoint() itself
// accepts local-rule checkpoints only.
struct AnyCheckpoint {
  std::unique_ptr<Trainer> local;
  std::unique_ptr<DdpgCheckpoint> ddpg;
};
AnyCheckpoint load_any_checkpoint(const std::string& path);

// SHA-256 (hex) over every learned parameter and every neuron's random stream,
// traces, noise state and eligibility traces.
std::string digest(const Network& net);
// SHA-256 (hex) over everything a checkpoint stores except the settings: the
// counters, the network as above, every environment's state, random stream,
// observation, episode counters and current frames, and the environment critic
// (weights, traces, features). Two runs with the same digest continue identically;
// the runtime settings (mode, threads, shard size, step target) are not part of it.
std::string digest(const Trainer& trainer);

// SHA-256 of a byte range, hex encoded.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace coagent
