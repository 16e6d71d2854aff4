// Helpers shared by the runtime tests: a watchdog that fails a hung run instead of
// hanging CI, and the executor to run a test on.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <utility>

#include "coagent/trainer.hpp"
#include "runtime/executor.hpp"
#include "local/trainer_access.hpp"

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

// oneTBB or std::thread workers; under TSan oneTBB only when it is instrumented too
// (tools/tbb-tsan, which tools/test builds): TSan cannot see an uninstrumented libtbb's
// hand-offs.
inline std::unique_ptr<runtime::Executor> make_executor(bool tbb, int workers) {
  if (runtime::kThreadsOnlyUnderTsan) tbb = false;
  return tbb ? runtime::make_tbb_executor(workers) : runtime::make_thread_executor(workers);
}

// Changes the settings a run may change (steps, mode, threads, shard size) the way
// an application does: through Learner::update_settings.
template <class L, class F>
void tweak(L& learner, F&& f) {
  TrainConfig c = learner.config();
  f(c);
  learner.update_settings(c);
}

// The run state, for tests that look inside (src/runtime/run_state.hpp).
// Every local rule: the runtime tests sweep them all.
inline constexpr Rule kAllRules[] = {Rule::linear, Rule::compatible, Rule::perturb, Rule::dfa};

inline std::vector<detail::EnvSlot>& slots(Trainer& t) { return detail::TrainerAccess::run(t).slots; }
inline detail::EpisodeCounters& counters(Trainer& t) { return detail::TrainerAccess::run(t).counters; }

}  // namespace coagent::testing
