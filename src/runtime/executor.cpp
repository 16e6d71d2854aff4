// src/runtime/executor.cpp — the TBB and std::thread executors.
#include "runtime/executor.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <utility>
#include <vector>
#include <map>
#include <memory>
#include <mutex>
#include <cstdlib>
#include <cstring>

namespace coagent::runtime {
namespace {

// The arena's slots are all for workers (the driver thread only waits). TBB lets a
// process have max_allowed_parallelism - 1 workers (by default: cores - 1), so the
// request is clamped to that; the CLI raises the limit with global_control, and so
// can an application that wants more threads.
int resolve_threads(int threads) {
  const int requested = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
  const auto limit = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  return std::max(1, std::min(requested, static_cast<int>(limit) - 1));
}

// Arenas are shared by every executor of the same size in the process and live as
// long as it: creating and destroying an arena per run lets TBB's workers lag
// behind (measured: repetitions of one configuration alternating between ~1x and
// ~1.7x at 2 threads). Each executor still has its own task_group, so concurrent
// trainers wait only for their own tasks.
tbb::task_arena& shared_arena(int threads, int reserved_for_driver) {
  static std::mutex mu;
  static std::map<std::pair<int, int>, std::unique_ptr<tbb::task_arena>>* arenas =
      new std::map<std::pair<int, int>, std::unique_ptr<tbb::task_arena>>();  // never destroyed
  std::lock_guard lock(mu);
  auto& a = (*arenas)[{threads, reserved_for_driver}];
  if (!a) a = std::make_unique<tbb::task_arena>(threads, reserved_for_driver);
  return *a;
}

class TbbExecutor final : public Executor {
 public:
  explicit TbbExecutor(int threads)
      : threads_(resolve_threads(threads)), arena_(shared_arena(threads_, 0)) {}
  ~TbbExecutor() noexcept override { wait_idle(); }

  // A task spawned from inside one of this executor's tasks, while the thread's
  // bypass slot is empty, goes into the slot instead of the deque: the spawning task's
  // thread runs it as soon as that task returns, without a trip through the scheduler
  // (oneTBB's "scheduler bypass"). A chain of one environment's frames through small
  // layers then stays on one core instead of bouncing between workers; the other
  // spawns of the same task still go to the deque, where idle workers steal them.
  void spawn(Task task) override {
    used_.store(true, std::memory_order_relaxed);
    outstanding_.fetch_add(1, std::memory_order_relaxed);
    if (current_ == this && !bypass_) {
      bypass_ = std::move(task);
      return;
    }
    auto body = [this, t = std::move(task)] {
      current_ = this;
      run(t);
      while (bypass_) run(std::exchange(bypass_, nullptr));
      current_ = nullptr;
    };
    if (current_ == this)
      group_.run(std::move(body));
    else
      arena_.enqueue([this, b = std::move(body)] { group_.run(b); });
  }

  void wait_idle() override {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return outstanding_.load(std::memory_order_acquire) == 0; });
    }
    if (used_.load(std::memory_order_acquire)) arena_.execute([&] { group_.wait(); });
  }

  int concurrency() const override { return threads_; }
  int worker_index() const override {
    if (current_ != this) return -1;
    // The thread's slot in arena_. A worker may sit in a slot past max_concurrency (an
    // arena of concurrency 1 puts its worker in slot 1): fold the slots onto workers.
    const int i = tbb::this_task_arena::current_thread_index();
    return i >= 0 ? i % threads_ : -1;
  }

  // Lockstep's barrier-per-layer loops run in a second arena with a slot reserved
  // for the driver, so execute() runs on the calling thread (which then helps)
  // instead of being handed to a worker.
  void parallel_for(int n, const std::function<void(int)>& f) override {
    shared_arena(threads_, 1).execute([&] {
      tbb::parallel_for(0, n, [&](int i) { f(i); }, tbb::simple_partitioner());
    });
  }

 private:
  void run(const Task& t) {
    t();
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    }
  }
  static thread_local TbbExecutor* current_;
  static thread_local Task bypass_;
  int threads_;
  tbb::task_arena& arena_;
  tbb::task_group group_;
  std::atomic<std::int64_t> outstanding_{0};
  std::atomic<bool> used_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

thread_local TbbExecutor* TbbExecutor::current_ = nullptr;
thread_local Executor::Task TbbExecutor::bypass_;

class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(int threads) {
    const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i)
      workers_.emplace_back([this, i] {
        self_ = this;
        index_ = i;
        loop();
      });
  }
  ~ThreadExecutor() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

  void spawn(Task task) override {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(task));
      ++outstanding_;
    }
    work_cv_.notify_one();
  }

  void wait_idle() override {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return outstanding_ == 0; });
  }

  int concurrency() const override { return static_cast<int>(workers_.size()); }
  int worker_index() const override { return self_ == this ? index_ : -1; }

  void parallel_for(int n, const std::function<void(int)>& f) override {
    for (int i = 0; i < n; ++i) spawn([&f, i] { f(i); });
    wait_idle();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (true) {
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      Task t = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      t();
      lock.lock();
      if (--outstanding_ == 0) idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<Task> queue_;
  std::int64_t outstanding_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  static thread_local const ThreadExecutor* self_;
  static thread_local int index_;
};

thread_local const ThreadExecutor* ThreadExecutor::self_ = nullptr;
thread_local int ThreadExecutor::index_ = -1;

}  // namespace
}  // namespace coagent::runtime

namespace coagent {
using runtime::TbbExecutor;
using runtime::ThreadExecutor;

std::unique_ptr<Executor> make_tbb_executor(int threads) {
  return std::make_unique<TbbExecutor>(threads);
}

std::unique_ptr<Executor> make_thread_executor(int threads) {
  return std::make_unique<ThreadExecutor>(threads);
}

std::unique_ptr<Executor> make_default_executor(int threads) {
  if (runtime::kThreadsOnlyUnderTsan) return make_thread_executor(threads);
  const char* e = std::getenv("COAGENT_EXECUTOR");
  if (e && std::strcmp(e, "threads") == 0) return make_thread_executor(threads);
  return make_tbb_executor(threads);
}

}  // namespace coagent
