// coagent/executor.hpp — where the runtimes' tasks run. Applications that embed the
// scheduler may pass their own Executor to Trainer::use_executor.
//
// Contract: spawn() may be called from any thread, including from inside a task;
// a task never blocks on another task. wait_idle() returns once every spawned task
// (and every task they spawned) has finished; it must not be called from a task.
//
// Two implementations (src/runtime/executor.cpp):
//  * the oneTBB executor: a task_arena owned by the runtime (the library never
//    touches global_control; only the CLI does). The first task a task spawns runs
//    on the same thread right after it (scheduler bypass); its other spawns go to the
//    worker's deque (task_group::run), where idle workers steal them; spawns from
//    outside are enqueued to the arena.
//  * the std::thread executor: plain threads over a mutex-protected deque. It exists
//    so that ThreadSanitizer checks the runtime's own synchronisation (Debian's
//    libtbb is not built with TSan); TSan builds use it by default.
#pragma once

#include <functional>
#include <memory>

namespace coagent {

class Executor {
 public:
  using Task = std::function<void()>;
  virtual ~Executor() = default;
  virtual void spawn(Task task) = 0;
  virtual void wait_idle() = 0;
  virtual int concurrency() const = 0;
  // Which of the concurrency() workers runs the caller, in [0, concurrency()), or -1
  // when the caller is not one of this executor's workers (or the executor does not
  // say). A hint: two workers may report the same index. The async runtime uses it only
  // to choose which shards a worker takes first, so that each worker keeps working on
  // the same shards (their rows stay in its caches); results never depend on it.
  virtual int worker_index() const { return -1; }
  // Runs f(0) .. f(n-1), possibly in parallel, and returns when all are done (the
  // lockstep mode's per-layer barrier). Called from the driver thread only.
  virtual void parallel_for(int n, const std::function<void(int)>& f) = 0;
};

// `threads` <= 0 means every core the process may use.
std::unique_ptr<Executor> make_tbb_executor(int threads);
std::unique_ptr<Executor> make_thread_executor(int threads);
// TBB normally; the std::thread executor when COAGENT_EXECUTOR=threads is set in the
// environment, and in TSan builds against an uninstrumented oneTBB.
std::unique_ptr<Executor> make_default_executor(int threads);

}  // namespace coagent
