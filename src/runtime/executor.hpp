// src/runtime/executor.hpp — the runtime's names for the public Executor interface
// (coagent/executor.hpp has the contract).
#pragma once

#include "coagent/executor.hpp"

namespace coagent::runtime {
using coagent::Executor;
using coagent::make_default_executor;
using coagent::make_tbb_executor;
using coagent::make_thread_executor;
}  // namespace coagent::runtime
