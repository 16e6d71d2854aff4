// coagent/checkpoint.hpp — the one checkpoint archive format, for every Learner,
// and the learned-state digests.
//
// File layout (little-endian):
//   magic "COAGENT\n" (8 bytes) | format version u32 | reserved u32 |
//   payload size u64 | payload | SHA-256 of the payload (32 bytes)
// The payload starts with the run's settings (as config text, `algo` first among
// them), then what the algorithm needs to resume exactly: for the local rules the
// counters, every layer's parameters, traces and noise states (the noise itself is
// counter-based, format 3; format 2 also stored per-neuron random streams),
// every environment's state and the environment critic; for DDPG the counters, the
// agent with its replay buffer and the environment; for ARS the counters, the policy's
// parameters, the observation statistics and the direction stream. Writing goes to a temporary
// file in the same directory, which is flushed, fsynced and renamed over the
// target: a crash leaves the old or the new file.
#pragma once

#include <memory>
#include <string>

#include "coagent/ars.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/learner.hpp"
#include "coagent/trainer.hpp"

namespace coagent {

inline constexpr std::uint32_t kCheckpointVersion = 3;

// Constructs the Learner stored at `path` (any algorithm), its environments from
// `factory` (default: the built-in environment its settings name). Throws
// std::runtime_error naming the path and the problem (missing, truncated, corrupt,
// wrong version, wrong shape) — never crashes on a bad file.
std::unique_ptr<Learner> load_learner(const std::string& path, EnvFactory factory = {});

// The local-rule shorthands: save_checkpoint is trainer.save(path); load_checkpoint
// also throws if the file holds another algorithm.
void save_checkpoint(const Trainer& trainer, const std::string& path);
std::unique_ptr<Trainer> load_checkpoint(const std::string& path, EnvFactory factory = {});

// SHA-256 (hex) over every learned parameter and every neuron's random stream,
// traces, noise state and eligibility traces.
std::string digest(const Network& net);
// trainer.digest(): SHA-256 (hex) over everything a checkpoint stores except the
// settings: the counters, the network as above, every environment's state, random
// stream, observation, episode counters and current frames, and the environment
// critic (weights, traces, features). Two runs with the same digest continue
// identically; the runtime settings (mode, threads, shard size, step target) are
// not part of it.
std::string digest(const Trainer& trainer);

// SHA-256 of a byte range, hex encoded.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace coagent
