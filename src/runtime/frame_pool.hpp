// src/runtime/frame_pool.hpp — the asynchronous runtime's pooled frames (internal).
// A Frame is one layer's emitted voltages for one (environment, step); a FramePool
// hands out frames of one level and takes them back (lock-free free list; the mutex
// guards only the allocation of new frames when the pool runs dry, which is counted).
// See "Frames" in async_runtime.hpp for who writes, publishes and releases a frame.
#pragma once

#include <concurrentqueue.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "coagent/aligned.hpp"
#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"  // FrameKind

namespace coagent::runtime {

// What an environment step broadcasts: (step, reward, flags), and with rules perturb
// and dfa the environment critic's TD error and action gradient. Plain data (it
// crosses ranks as bytes).
struct StepEntry {
  std::int64_t step = -1;
  float reward = 0.0f;
  bool terminated = false;
  bool truncated = false;
  float td = 0.0f;  // the environment critic's TD error (rules perturb, dfa)
  std::array<float, kMaxGradActions> grad{};  // its action gradient (rule dfa)
  // When the step ends an episode: its return and length, and the run's step count
  // after it (what the episode record reports; lockstep's `at_step`).
  double episode_return = 0.0;
  std::int64_t episode_length = 0;
  std::int64_t at_step = 0;
};

struct Frame {
  int level = 0;
  int env = 0;
  std::int64_t step = 0;  // the environment's own step count (its broadcast slot)
  // The frame's place in the run's one order (async_runtime.hpp, "Ordering"): 2n for
  // the frame of global step n, 2n + 1 for the first frame of the episode it ended.
  std::int64_t seq = 0;
  FrameKind kind = FrameKind::mid;
  std::uint32_t explore_mask = ~0u;  // the episode's exploring layers (bit l)
  NoiseClock clock;                  // the counter of the neurons' noise for this frame
  std::atomic<int> writers{0};  // shards still writing their slice
  std::atomic<int> refs{0};     // consumers still holding it
  std::atomic<std::uint64_t> undelivered{0};  // chunks of the reading layer not yet claimed
  Frame* next = nullptr;        // the frame the consuming layer writes into
  AlignedFloats data;           // padded width, zero padding never written
  // Level 0 only: the step that produced this observation, and (rule dfa) the output
  // noise of the action taken, for the environment critic.
  StepEntry entry;
  std::array<float, kMaxGradActions> noise{};
};

class FramePool {
 public:
  FramePool(int level, int stride, int initial) : level_(level), stride_(stride) {
    for (int i = 0; i < initial; ++i) free_.enqueue(make());
  }
  Frame* acquire(std::atomic<std::int64_t>& misses) {
    Frame* f = nullptr;
    if (free_.try_dequeue(f)) return f;
    misses.fetch_add(1, std::memory_order_relaxed);
    return make();
  }
  void release(Frame* f) { free_.enqueue(f); }

 private:
  Frame* make() {
    std::lock_guard lock(mu_);
    auto f = std::make_unique<Frame>();
    f->level = level_;
    f->data.assign(stride_, 0.0f);
    owned_.push_back(std::move(f));
    return owned_.back().get();
  }
  int level_, stride_;
  moodycamel::ConcurrentQueue<Frame*> free_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Frame>> owned_;
};

}  // namespace coagent::runtime
