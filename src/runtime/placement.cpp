// src/runtime/placement.cpp — the runtime auto picks and the auto shard size
// (coagent/placement.hpp).
#include "coagent/placement.hpp"

#include <algorithm>

namespace coagent {

Mode resolved_mode(const TrainConfig& c, std::span<const int> shape) noexcept {
  if (c.mode != Mode::automatic) return c.mode;
  // The number of environments does not enter: async equals lockstep for any E, and
  // small layers gain nothing from a second thread with many environments either (on
  // `small` with 16 environments async at 2 threads ran at 0.75 of the fused loop;
  // `coagent bench --net small --envs 16 --threads 1,2 --modes async`).
  for (std::size_t i = 1; i < shape.size(); ++i)
    if (static_cast<std::int64_t>(shape[i - 1]) * shape[i] >= kAutoShardWeights) return Mode::async;
  return Mode::lockstep;
}

int shard_size_for(int shard_size, int width, int fan_in, int threads, int envs) noexcept {
  if (shard_size > 0) return shard_size;
  // At most ~64k weights (256 KB of K) per task: tens of microseconds of work per
  // frame against about 1 us for a task hop between threads (on `wide`, 64- and
  // 128-neuron shards beat 16); and at least two shards per worker in each layer,
  // so that every thread finds work (on `small` with 8 envs, whole-layer shards
  // reach 1.55x at 2 threads, 16-neuron shards 1.81x). Measured with coagent bench.
  // With one environment only one frame is in flight, so tasks must also carry at
  // least ~4k weights (on small, 16-neuron shards at 1 env: 0.68x at 2 threads;
  // whole layers: 1.4x).
  const int f = std::max(1, fan_in);
  const int by_weights = kAutoShardWeights / f;
  const int by_threads = (width + 2 * std::max(1, threads) - 1) / (2 * std::max(1, threads));
  int size = std::min(by_weights, by_threads);
  if (envs <= 1) size = std::max(size, 4096 / f);
  return std::clamp(size, 1, std::max(1, width));
}

}  // namespace coagent
