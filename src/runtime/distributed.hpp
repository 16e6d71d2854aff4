// src/runtime/distributed.hpp — the distributed runtime's entry point (mode mpi,
// docs/design.md §6.4; the messages' contract is in rank_link.hpp). Internal.
#pragma once

#include "coagent/wire.hpp"
#include "runtime/async_runtime.hpp"

namespace coagent::runtime {

// Trains this rank's share until `in.until` steps, as every other rank of `wire` does
// at the same time (a collective: every rank calls it with the same state and
// settings), then exchanges the state so that every rank holds all of it. Errors of
// any rank are rethrown on every rank, after the exchange.
RunStats run_distributed(const AsyncInputs& in, Executor& executor, int shard_size, Wire& wire,
                         const ProgressFn& progress, double progress_seconds);

// Every rank sends what it holds to every other (collective).
void exchange_state(const AsyncInputs& in, Wire& wire);

}  // namespace coagent::runtime
