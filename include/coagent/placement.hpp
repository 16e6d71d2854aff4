// coagent/placement.hpp — where a local-rule run's work goes: the runtime `--mode auto`
// picks, the neurons per task (`--shard-size 0`), and the counters a run reports. Pure
// functions of the settings and the network's shape: a result never depends on them.
#pragma once

#include <cstdint>
#include <span>

#include "coagent/config.hpp"

namespace coagent {

// Counters of the last run, for tests and benchmarks. Async: they prove that no
// frame was lost or processed twice. Lockstep: how many layer steps were split over
// the executor and how many shard bodies ran (zero when every layer ran whole).
struct RunStats {
  std::int64_t env_steps = 0;
  std::int64_t frames_created = 0;     // all levels
  std::int64_t frames_released = 0;    // returned to their pool
  std::int64_t pool_misses = 0;        // frames allocated because a pool ran dry
  std::int64_t shard_messages = 0;     // frames processed by all shards
  std::int64_t expected_messages = 0;  // frames published to a layer x its shard count
  std::int64_t tasks = 0;              // shard task executions
  std::int64_t split_layer_steps = 0;  // lockstep: layer steps run as parallel shards
  std::int64_t shard_bodies = 0;       // lockstep: shard bodies those steps ran
};

// Auto shards carry about this many weights (256 KB of K).
inline constexpr int kAutoShardWeights = 65536;
// The shard size used for a layer of `width` neurons with `fan_in` inputs when
// `threads` workers run it with `envs` environments in flight (`shard_size` > 0: that).
int shard_size_for(int shard_size, int width, int fan_in, int threads, int envs) noexcept;
// The runtime a run uses: `c.mode`, or for auto the choice described at Mode, from the
// actor's widths (input to output).
Mode resolved_mode(const TrainConfig& c, std::span<const int> shape) noexcept;

}  // namespace coagent
