// src/runtime/async_actors.hpp — the async runtime's actors as plain data: the reward
// broadcast ring, a shard (neurons with a local serializer) and an environment actor.
// Their rules of use are the contract in async_runtime.hpp. Internal.
#pragma once

#include <concurrentqueue.h>

#include <array>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"
#include "runtime/frame_pool.hpp"

namespace coagent::runtime {

constexpr std::size_t kBatch = 32;  // messages a shard task drains before yielding

// (step, reward, terminated, truncated), published once per environment step.
class RewardBroadcast {
 public:
  using Entry = StepEntry;
  void publish(const Entry& e) noexcept { slots_[e.step % kSlots] = e; }
  const Entry& read(std::int64_t step) const noexcept {
    const Entry& e = slots_[step % kSlots];
    assert(e.step == step);
    return e;
  }

 private:
  static constexpr int kSlots = 4;  // at most 2 live steps per environment
  std::array<Entry, kSlots> slots_{};
};

struct alignas(64) Shard {
  int layer = 0, begin = 0, end = 0;
  moodycamel::ConcurrentQueue<Frame*> inbox;
  std::atomic<std::int64_t> pending{0};
  std::atomic<bool> running{false};  // asserts the serializer: one task at a time
  // Touched only by the shard's own task (the serializer guarantees one at a time).
  std::vector<Frame*> prev;  // per environment: the frame being learnt from
  // The run's order: the seq of the frame this shard processes next, and per
  // environment a frame that arrived before its turn (at most one: an environment has
  // one frame in flight).
  std::int64_t expect = 0;
  std::vector<Frame*> held;
  // The input of the row updates the shard's next sweep applies (rules.hpp RowUpdate):
  // the frame its last learn stepped along, held until then; null when none are pending.
  Frame* kept = nullptr;
  std::int64_t processed = 0;
  std::int64_t tasks = 0;
};

// The seq of the frame that comes after frame `seq` of kind `kind` in the run's order:
// a step's frame is followed by the next step's, the final frame of an episode by the
// first frame of the next one (same step).
constexpr std::int64_t next_seq(std::int64_t seq, FrameKind kind) noexcept {
  return kind == FrameKind::mid ? seq + 2 : seq + 1;
}

struct EnvActor {
  RewardBroadcast broadcast;
  std::int64_t step = 0;
  std::int64_t next_n = 0;  // the global step this environment takes next (n mod E = e)
  std::int64_t last_n = 0;  // the global step it took last
  Frame* last_output = nullptr;
  std::vector<double> action;
  double episode_return = 0.0;
  std::int64_t episode_length = 0;
};

}  // namespace coagent::runtime
