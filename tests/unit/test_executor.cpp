// The Executor interface (src/runtime/executor.hpp) on both implementations: every
// spawned task and every parallel_for index runs exactly once, wait_idle() waits for
// tasks spawned from inside tasks and from other threads, concurrency() is what was
// asked for, worker_index() names a worker slot only inside the executor's tasks, and
// an executor can be destroyed idle or with work still queued.
//
// Exceptions: the interface does not carry them. A task must not throw (the async
// runtime catches everything inside its tasks and keeps the first error itself), so
// there is nothing to test here beyond that contract.
#include <gtest/gtest.h>

#include <tbb/global_control.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "runtime/executor.hpp"
#include "runtime_test_support.hpp"

namespace coagent {
namespace {

using runtime::Executor;
using testing::make_executor;
using testing::with_watchdog;

constexpr bool kThreadsOnly = runtime::kThreadsOnlyUnderTsan;

bool is_thread_executor(const Executor& e) {
  return std::string(typeid(e).name()).find("ThreadExecutor") != std::string::npos;
}

// (tbb?, workers)
class ExecutorTest : public ::testing::TestWithParam<std::tuple<bool, int>> {
 protected:
  std::unique_ptr<Executor> make() const {
    return make_executor(std::get<0>(GetParam()), std::get<1>(GetParam()));
  }
};

TEST_P(ExecutorTest, SpawnRunsEveryTaskExactlyOnce) {
  with_watchdog("spawn", [&] {
    auto ex = make();
    constexpr int kTasks = 20000;  // many small tasks
    std::vector<std::atomic<int>> hits(kTasks);
    for (int i = 0; i < kTasks; ++i)
      ex->spawn([&hits, i] { hits[i].fetch_add(1, std::memory_order_relaxed); });
    ex->wait_idle();
    for (int i = 0; i < kTasks; ++i) ASSERT_EQ(hits[i].load(), 1) << "task " << i;
  }, 120);
}

TEST_P(ExecutorTest, WaitIdleWaitsForTasksSpawnedFromTasks) {
  with_watchdog("nested spawn", [&] {
    auto ex = make();
    // A binary tree of depth 12 spawned from inside tasks: 2^13 - 1 tasks. The leaves
    // sleep a little so that wait_idle() really has to wait for late descendants.
    std::atomic<int> ran{0};
    std::function<void(int)> node = [&](int depth) {
      ran.fetch_add(1, std::memory_order_relaxed);
      if (depth == 0) {
        if (ran.load(std::memory_order_relaxed) % 1024 == 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return;
      }
      ex->spawn([&node, depth] { node(depth - 1); });
      ex->spawn([&node, depth] { node(depth - 1); });
    };
    for (int round = 0; round < 3; ++round) {
      ran = 0;
      ex->spawn([&] { node(12); });
      ex->wait_idle();
      ASSERT_EQ(ran.load(), (1 << 13) - 1) << "round " << round;
    }
  }, 120);
}

TEST_P(ExecutorTest, SpawnFromSeveralOutsideThreads) {
  with_watchdog("outside spawns", [&] {
    auto ex = make();
    constexpr int kThreads = 4, kEach = 2000;
    std::vector<std::atomic<int>> hits(kThreads * kEach);
    std::vector<std::thread> producers;
    for (int p = 0; p < kThreads; ++p)
      producers.emplace_back([&, p] {
        for (int i = 0; i < kEach; ++i)
          ex->spawn([&hits, k = p * kEach + i] { hits[k].fetch_add(1); });
      });
    for (auto& t : producers) t.join();
    ex->wait_idle();
    for (int k = 0; k < kThreads * kEach; ++k) ASSERT_EQ(hits[k].load(), 1) << "task " << k;
  }, 120);
}

TEST_P(ExecutorTest, ParallelForRunsEveryIndexExactlyOnce) {
  with_watchdog("parallel_for", [&] {
    auto ex = make();
    for (int n : {0, 1, 2, 7, 1000}) {
      for (int rep = 0; rep < 20; ++rep) {  // the lockstep mode calls it once per layer per step
        std::vector<std::atomic<int>> hits(n);
        ex->parallel_for(n, [&](int i) {
          ASSERT_GE(i, 0);
          ASSERT_LT(i, n);
          hits[i].fetch_add(1);
        });
        for (int i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n " << n << " index " << i;
      }
    }
  }, 120);
}

TEST_P(ExecutorTest, ParallelForAndSpawnOnOneExecutor) {
  with_watchdog("mixed", [&] {
    auto ex = make();
    std::atomic<int> spawned{0}, indices{0};
    for (int rep = 0; rep < 50; ++rep) {
      for (int i = 0; i < 10; ++i) ex->spawn([&] { spawned.fetch_add(1); });
      ex->wait_idle();
      ex->parallel_for(16, [&](int) { indices.fetch_add(1); });
    }
    EXPECT_EQ(spawned.load(), 500);
    EXPECT_EQ(indices.load(), 800);
  }, 120);
}

// Every task spawns the next: with the TBB executor's scheduler bypass the chain runs
// as a loop on one thread (no stack growth), and wait_idle() still waits for its end.
TEST_P(ExecutorTest, LongChainOfTasksEachSpawningTheNext) {
  with_watchdog("chain", [&] {
    auto ex = make();
    constexpr int kLength = 200000;
    std::atomic<int> ran{0};
    std::function<void()> link = [&] {
      if (ran.fetch_add(1, std::memory_order_relaxed) + 1 < kLength) ex->spawn(link);
    };
    ex->spawn(link);
    ex->wait_idle();
    EXPECT_EQ(ran.load(), kLength);
  }, 120);
}

// worker_index(): -1 on a thread that is not one of the executor's workers, a slot in
// [0, concurrency()) inside its tasks.
TEST_P(ExecutorTest, WorkerIndexIsASlotInsideTasksAndMinusOneOutside) {
  with_watchdog("worker index", [&] {
    auto ex = make();
    auto other = make();
    EXPECT_EQ(ex->worker_index(), -1);
    constexpr int kTasks = 2000;
    std::vector<std::atomic<int>> seen(kTasks), seen_by_other(kTasks);
    for (int i = 0; i < kTasks; ++i)
      ex->spawn([&, i] {
        seen[i] = ex->worker_index();
        seen_by_other[i] = other->worker_index();
      });
    ex->wait_idle();
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_GE(seen[i].load(), 0) << "task " << i;
      ASSERT_LT(seen[i].load(), ex->concurrency()) << "task " << i;
      ASSERT_EQ(seen_by_other[i].load(), -1) << "task " << i;
    }
  }, 120);
}

TEST_P(ExecutorTest, WaitIdleWithNothingSpawnedReturns) {
  with_watchdog("idle", [&] {
    auto ex = make();
    ex->wait_idle();
    ex->wait_idle();
  }, 60);
}

TEST_P(ExecutorTest, DestroyedIdleOrWithQueuedWork) {
  with_watchdog("destruction", [&] {
    for (int rep = 0; rep < 20; ++rep) {
      { auto ex = make(); }  // never used
      {
        auto ex = make();
        std::atomic<int> n{0};
        for (int i = 0; i < 100; ++i) ex->spawn([&] { n.fetch_add(1); });
        ex->wait_idle();
        ASSERT_EQ(n.load(), 100);
      }  // idle
      std::atomic<int> late{0};
      {
        auto ex = make();
        for (int i = 0; i < 100; ++i) ex->spawn([&] { late.fetch_add(1); });
      }  // destroyed with work queued: the destructor finishes it first
      ASSERT_EQ(late.load(), 100) << "rep " << rep;
    }
  }, 120);
}

INSTANTIATE_TEST_SUITE_P(Executors, ExecutorTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(1, 2, 4)),
                         [](const auto& tp) {
                           return std::string(std::get<0>(tp.param) ? "tbb" : "threads") +
                                  std::to_string(std::get<1>(tp.param));
                         });

TEST(Executor, ThreadExecutorHasExactlyTheRequestedWorkers) {
  with_watchdog("thread concurrency", [] {
    for (int n : {1, 2, 3, 5}) {
      auto ex = runtime::make_thread_executor(n);
      EXPECT_EQ(ex->concurrency(), n);
      // All n workers really run at once: n tasks wait (with a deadline) until all
      // n have started.
      std::atomic<int> started{0};
      std::atomic<bool> all_met{true};
      for (int i = 0; i < n; ++i)
        ex->spawn([&] {
          started.fetch_add(1);
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
          while (started.load() < n)
            if (std::chrono::steady_clock::now() > deadline) {
              all_met = false;
              return;
            } else {
              std::this_thread::yield();
            }
        });
      ex->wait_idle();
      EXPECT_TRUE(all_met.load()) << n << " workers did not run at once";
    }
    auto all = runtime::make_thread_executor(0);
    EXPECT_EQ(all->concurrency(),
              static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  }, 120);
}

TEST(Executor, TbbExecutorClampsToTheAllowedParallelism) {
  // Under TSan, tests/tsan.supp suppresses what uninstrumented libtbb hides.
  with_watchdog("tbb concurrency", [] {
    // The arena's slots are all workers; TBB allows max_allowed_parallelism - 1 of them.
    const auto limit = static_cast<int>(
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    for (int n : {1, 2, 3, 8})
      EXPECT_EQ(runtime::make_tbb_executor(n)->concurrency(), std::max(1, std::min(n, limit - 1)))
          << n;
    {
      // What the CLI does for --threads T: raise the limit to T + 1.
      tbb::global_control gc(tbb::global_control::max_allowed_parallelism, 6);
      EXPECT_EQ(runtime::make_tbb_executor(5)->concurrency(), 5);
      EXPECT_EQ(runtime::make_tbb_executor(9)->concurrency(), 5);
      auto ex = runtime::make_tbb_executor(5);
      std::vector<std::atomic<int>> hits(5000);
      for (int i = 0; i < 5000; ++i) ex->spawn([&hits, i] { hits[i].fetch_add(1); });
      ex->wait_idle();
      for (int i = 0; i < 5000; ++i) ASSERT_EQ(hits[i].load(), 1);
    }
  }, 120);
}

TEST(Executor, DefaultExecutorIsTbbUnlessAskedForThreads) {
  with_watchdog("default executor", [] {
    ::unsetenv("COAGENT_EXECUTOR");
    EXPECT_EQ(is_thread_executor(*runtime::make_default_executor(2)), kThreadsOnly);
    ::setenv("COAGENT_EXECUTOR", "threads", 1);
    auto ex = runtime::make_default_executor(3);
    ::unsetenv("COAGENT_EXECUTOR");
    EXPECT_TRUE(is_thread_executor(*ex));
    EXPECT_EQ(ex->concurrency(), 3);
    ::setenv("COAGENT_EXECUTOR", "tbb", 1);  // anything else: TBB
    EXPECT_EQ(is_thread_executor(*runtime::make_default_executor(2)), kThreadsOnly);
    ::unsetenv("COAGENT_EXECUTOR");
  }, 60);
}

}  // namespace
}  // namespace coagent
