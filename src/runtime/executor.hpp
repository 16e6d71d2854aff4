// src/runtime/executor.hpp — the runtime's names for the public Executor interface
// (coagent/executor.hpp has the contract).
#pragma once

#include "coagent/executor.hpp"

namespace coagent::runtime {

// Under ThreadSanitizer the runtime runs on std::thread unless oneTBB itself was built with
// TSan (tools/tbb-tsan; CMake's COAGENT_TBB_INSTRUMENTED, which tools/test sets): TSan does
// not see the task hand-offs of an uninstrumented libtbb, so it would report false races.
#if defined(__SANITIZE_THREAD__) && !defined(COAGENT_TBB_INSTRUMENTED)
inline constexpr bool kThreadsOnlyUnderTsan = true;
#else
inline constexpr bool kThreadsOnlyUnderTsan = false;
#endif

using coagent::Executor;
using coagent::make_default_executor;
using coagent::make_tbb_executor;
using coagent::make_thread_executor;
}  // namespace coagent::runtime
