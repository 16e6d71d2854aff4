// The async runtime's frame pool (src/runtime/frame_pool.hpp): frames come back for
// reuse, a dry pool allocates and counts a miss, every frame carries its level and
// stride, and concurrent acquire/release from several threads neither loses a frame
// nor hands one out twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "runtime/frame_pool.hpp"
#include "runtime_test_support.hpp"

namespace coagent {
namespace {

using runtime::Frame;
using runtime::FramePool;
using testing::with_watchdog;

TEST(FramePool, FramesHaveTheLevelAndStride) {
  FramePool pool(3, 24, 4);
  std::atomic<std::int64_t> misses{0};
  for (int i = 0; i < 6; ++i) {  // four preallocated, two allocated on a miss
    Frame* f = pool.acquire(misses);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->level, 3);
    ASSERT_EQ(f->data.size(), 24u);
    EXPECT_TRUE(std::all_of(f->data.begin(), f->data.end(), [](float x) { return x == 0.0f; }));
    EXPECT_EQ(f->writers.load(), 0);
    EXPECT_EQ(f->refs.load(), 0);
    EXPECT_EQ(f->next, nullptr);
  }
  EXPECT_EQ(misses.load(), 2);
}

TEST(FramePool, ReleasedFramesAreReusedWithoutMisses) {
  FramePool pool(0, 8, 2);
  std::atomic<std::int64_t> misses{0};
  std::set<Frame*> seen;
  for (int i = 0; i < 1000; ++i) {
    Frame* a = pool.acquire(misses);
    Frame* b = pool.acquire(misses);
    ASSERT_NE(a, b);
    seen.insert(a);
    seen.insert(b);
    pool.release(a);
    pool.release(b);
  }
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(seen.size(), 2u) << "only the two preallocated frames should ever be handed out";
}

TEST(FramePool, ADryPoolAllocatesCountsAMissAndKeepsTheNewFrame) {
  FramePool pool(1, 4, 0);  // starts empty
  std::atomic<std::int64_t> misses{0};
  Frame* a = pool.acquire(misses);
  EXPECT_EQ(misses.load(), 1);
  a->data[2] = 7.0f;  // a released frame keeps its contents (writers overwrite them)
  pool.release(a);
  Frame* b = pool.acquire(misses);
  EXPECT_EQ(b, a);
  EXPECT_EQ(misses.load(), 1);
  Frame* c = pool.acquire(misses);
  EXPECT_NE(c, a);
  EXPECT_EQ(misses.load(), 2);
  pool.release(b);
  pool.release(c);
  // The pool now holds both; two acquires cost no miss.
  Frame* d = pool.acquire(misses);
  Frame* e = pool.acquire(misses);
  EXPECT_EQ(misses.load(), 2);
  EXPECT_EQ(std::set<Frame*>({d, e}), std::set<Frame*>({a, c}));
}

TEST(FramePool, ConcurrentAcquireReleaseLosesNothingAndNeverHandsOutTwice) {
  // Under TSan, tests/tsan.supp suppresses the queue's fence-ordered slots (moodycamel).
  with_watchdog("frame pool stress", [] {
    constexpr int kThreads = 4, kIters = 20000, kHold = 3, kInitial = 8;
    FramePool pool(2, 16, kInitial);
    std::atomic<std::int64_t> misses{0};
    std::atomic<int> double_handouts{0};
    // Each frame's `refs` is used as an ownership flag: 0 -> 1 on acquire must
    // succeed, or someone else holds it.
    std::vector<std::thread> threads;
    std::vector<std::set<Frame*>> seen(kThreads);
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        std::vector<Frame*> held;
        for (int i = 0; i < kIters; ++i) {
          Frame* f = pool.acquire(misses);
          int expected = 0;
          if (!f->refs.compare_exchange_strong(expected, 1)) double_handouts.fetch_add(1);
          f->data[t] = static_cast<float>(i);  // touch it while it is ours
          seen[t].insert(f);
          held.push_back(f);
          if (static_cast<int>(held.size()) == kHold || i % 7 == 0) {
            for (Frame* h : held) {
              h->refs.store(0);
              pool.release(h);
            }
            held.clear();
          }
        }
        for (Frame* h : held) {
          h->refs.store(0);
          pool.release(h);
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(double_handouts.load(), 0);
    std::set<Frame*> all;
    for (const auto& s : seen) all.insert(s.begin(), s.end());
    // The pool owns the preallocated frames plus one per miss; every frame handed out
    // is one of them ...
    const std::int64_t owned = kInitial + misses.load();
    EXPECT_LE(static_cast<std::int64_t>(all.size()), owned);
    // (at most kThreads * kHold are held at once; moodycamel's try_dequeue may report
    // empty while another thread's enqueue is in progress, so a few extra misses are
    // allowed, but not one per acquire)
    EXPECT_LT(misses.load(), kThreads * kIters / 10);
    // ... and all of them are back: draining the pool yields each owned frame exactly
    // once, with no further miss.
    const auto before = misses.load();
    std::set<Frame*> drained;
    for (std::int64_t i = 0; i < owned; ++i) {
      Frame* f = pool.acquire(misses);
      EXPECT_TRUE(drained.insert(f).second) << "frame handed out twice while draining";
    }
    for (Frame* f : all) EXPECT_TRUE(drained.count(f)) << "a frame handed out was not returned";
    EXPECT_EQ(misses.load(), before) << "a released frame was lost";
  }, 120);
}

}  // namespace
}  // namespace coagent
