// Helpers shared by the runtime tests: a watchdog that fails a hung run instead of
// hanging CI, and the executor to run a test on.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <utility>

#include "runtime/executor.hpp"

namespace coagent::testing {

// Fails (instead of hanging CI) if `f` does not finish in time.
template <class F>
void with_watchdog(const char* what, F&& f, int seconds = 300) {
  auto fut = std::async(std::launch::async, std::forward<F>(f));
  if (fut.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "watchdog: %s did not finish in %d s (hung run)\n", what, seconds);
    std::fflush(stderr);
    std::_Exit(1);
  }
  fut.get();
}

// oneTBB or std::thread workers; under TSan always std::thread, because Debian's
// libtbb is not instrumented and TSan should check our own synchronisation.
inline std::unique_ptr<runtime::Executor> make_executor(bool tbb, int workers) {
#if defined(__SANITIZE_THREAD__)
  tbb = false;
#endif
  return tbb ? runtime::make_tbb_executor(workers) : runtime::make_thread_executor(workers);
}

}  // namespace coagent::testing
