// coagent/session.hpp — the session loop: one way to run any Learner to its step
// budget, used by `coagent train`, `coagent exp2` and embedding applications.
//
// run_session trains in chunks that end at the multiples of checkpoint_every,
// stats_every and eval_every (lockstep runs are identical whether or not they are
// chunked; async runs with one environment too; ARS, which steps in whole
// iterations, may end a chunk past its end and is identical too). After each chunk it reports the
// layer statistics, evaluates when due and saves when due; at the end (budget
// reached or stopped) it saves to save_path. Saves are atomic. A stop — the
// Learner's request_stop() from a signal handler or a callback, or `*stop` becoming
// true — ends the session at the next step boundary, with the final save.
//
// Threading: the driver thread runs everything; the hooks' rules are the Learner's.
// Exceptions from the Learner or a callback propagate; the last checkpoint written
// stays intact.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coagent/learner.hpp"

namespace coagent {

struct SessionOptions {
  std::string save_path;              // empty: nothing is saved
  std::int64_t checkpoint_every = 0;  // save every N steps as well (needs save_path)
  std::int64_t stats_every = 0;       // on_layer_stats every N steps (0: never)
  std::int64_t eval_every = 0;        // on_eval every N steps (0: never)
  TrainHooks hooks;                   // progress and episodes, passed to the Learner
  std::function<void(std::int64_t step, const std::vector<LayerStats>&)> on_layer_stats;
  std::function<void(std::int64_t step, const Learner&)> on_eval;
  const std::atomic<bool>* stop = nullptr;  // checked between chunks (e.g. a signal flag)

  // Throws std::invalid_argument naming the bad value (negative intervals,
  // checkpoint_every without save_path).
  void validate() const;
};

struct SessionResult {
  std::int64_t steps = 0;  // steps_done() at the end
  bool stopped = false;    // ended by a stop before the budget
};

// Trains `learner` until its config().steps.
SessionResult run_session(Learner& learner, const SessionOptions& options);

}  // namespace coagent
