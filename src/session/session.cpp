// src/session/session.cpp — the session loop (see coagent/session.hpp).
#include "coagent/session.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace coagent {
namespace {

std::int64_t next_multiple(std::int64_t at, std::int64_t n) {
  return n > 0 ? (at / n + 1) * n : INT64_MAX;
}

// Whether a chunk from `from` to `now` reached a multiple of n. A learner whose steps
// come in whole iterations (ARS) may end a chunk past the multiple it was asked for.
bool due(std::int64_t from, std::int64_t now, std::int64_t n) {
  return n > 0 && now >= next_multiple(from, n);
}

}  // namespace

void SessionOptions::validate() const {
  auto check = [](std::int64_t v, const char* what) {
    if (v < 0)
      throw std::invalid_argument(std::string(what) + ": " + std::to_string(v) +
                                  " must be at least 1 (0: never)");
  };
  check(checkpoint_every, "checkpoint-every");
  check(stats_every, "metrics-every");
  check(eval_every, "eval-every");
  if (checkpoint_every > 0 && save_path.empty())
    throw std::invalid_argument("checkpoint-every needs a save path");
}

SessionResult run_session(Learner& learner, const SessionOptions& o) {
  o.validate();
  const std::int64_t target = learner.config().steps;
  auto stop_flag = [&] { return o.stop && o.stop->load(std::memory_order_relaxed); };
  SessionResult res;
  while (learner.steps_done() < target && !stop_flag()) {
    const std::int64_t at = learner.steps_done();
    const std::int64_t end = std::min({target, next_multiple(at, o.checkpoint_every),
                                       next_multiple(at, o.stats_every),
                                       next_multiple(at, o.eval_every)});
    learner.train_until(end, o.hooks);
    const std::int64_t now = learner.steps_done();
    res.stopped = now < end;
    if (o.stats_every > 0 && o.on_layer_stats) o.on_layer_stats(now, learner.take_layer_stats());
    if (res.stopped) break;
    if (due(at, now, o.eval_every) && o.on_eval) o.on_eval(now, learner);
    if (due(at, now, o.checkpoint_every) && now < target) learner.save(o.save_path);
  }
  res.stopped = res.stopped || learner.steps_done() < target;
  res.steps = learner.steps_done();
  if (!o.save_path.empty()) learner.save(o.save_path);
  return res;
}

}  // namespace coagent
