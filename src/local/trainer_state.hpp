// src/local/trainer_state.hpp — the bytes of a Trainer's learned and resumable
// state: written once here, read by the checkpoint (every byte) and by the digests
// (every byte that is state, not scratch); and the reader that constructs a run's
// parts from them. Internal to the library.
#pragma once

#include "coagent/trainer.hpp"
#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"
#include "local/trainer_access.hpp"

namespace coagent::io {

// Checkpoint: the layout of checkpoint format 3 (kCheckpointVersion) after the settings string (both
// halves of every frame buffer, as the reader expects). Digest: the same fields, but
// only the current half of each frame (the other half is the scratch the next step
// writes into, which the async runtime does not keep).
enum class StateBytes { checkpoint, digest };

// Counters, then per layer its parameters, random streams, traces, noise and
// eligibility traces, then per environment its state, random stream, observation,
// episode counters and frames, then the environment critic (rule perturb).
void put_trainer_state(ByteWriter& w, const Trainer& t, StateBytes which);
// Per layer: parameters, random streams, traces, noise and eligibility traces.
void put_network_state(ByteWriter& w, const Network& net);

// Reads what put_trainer_state(checkpoint) wrote for a run with settings `cfg`
// (validated) and builds its parts; environments come from `factory`. Throws
// std::runtime_error (via r.fail) on anything inconsistent, before allocating for
// sizes the input cannot hold.
detail::TrainerParts read_trainer_parts(const TrainConfig& cfg, ByteReader& r,
                                        const EnvFactory& factory);

}  // namespace coagent::io
