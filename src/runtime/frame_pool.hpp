// src/runtime/frame_pool.hpp — the asynchronous runtime's pooled frames (internal).
// A Frame is one layer's emitted voltages for one (environment, step); a FramePool
// hands out frames of one level and takes them back (lock-free free list; the mutex
// guards only the allocation of new frames when the pool runs dry, which is counted).
// See "Frames" in async_runtime.hpp for who writes, publishes and releases a frame.
#pragma once

#include <concurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "coagent/rules.hpp"  // FrameKind

namespace coagent::runtime {

struct Frame {
  int level = 0;
  int env = 0;
  std::int64_t step = 0;
  FrameKind kind = FrameKind::mid;
  std::uint32_t explore_mask = ~0u;  // the episode's exploring layers (bit l)
  std::atomic<int> writers{0};  // shards still writing their slice
  std::atomic<int> refs{0};     // consumers still holding it
  Frame* next = nullptr;        // the frame the consuming layer writes into
  std::vector<float> data;      // padded width, zero padding never written
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
