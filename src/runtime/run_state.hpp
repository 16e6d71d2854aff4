// src/runtime/run_state.hpp — the run state of a local-rule Trainer: its
// environments in flight, the step and episode counters and the recent returns.
// Owned by the Trainer, passed explicitly to the lockstep and async runtimes, read
// by the checkpoint writer and built by the checkpoint reader. Internal.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "coagent/learner.hpp"
#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

namespace coagent::detail {

// Throws DivergenceError naming the output neuron, its value and the step when the
// network's action is not finite (the divergence guard; an environment refuses a
// non-finite action itself, with env.hpp's check_finite_action).
inline void throw_if_action_diverged(const std::vector<double>& action, int layer,
                                     std::int64_t step) {
  for (std::size_t i = 0; i < action.size(); ++i)
    if (!std::isfinite(action[i]))
      throw DivergenceError("diverged: layer " + std::to_string(layer) + ", neuron " +
                            std::to_string(i) + ": action is " + std::to_string(action[i]) +
                            " at step " + std::to_string(step));
}

// Per-environment run state: what a checkpoint needs to resume exactly.
struct EnvSlot {
  std::unique_ptr<Env> env;
  std::vector<double> obs;                  // the latest observation
  std::int64_t episode_length = 0;
  std::vector<AlignedFloats> frames;        // per layer input (0) and outputs: 2 x stride
  int parity = 0;                           // which half of each frame is "current"
  double episode_return = 0.0;
  std::int64_t episode_index = -1;          // episodes started in this environment - 1
  std::uint32_t explore_mask = ~0u;         // layers exploring this episode (bit l)

  // Counts a new episode of environment e and sets which layers explore in it.
  void next_episode(const TrainConfig& cfg, int e) noexcept {
    ++episode_index;
    explore_mask = cfg.explore_mask(e, episode_index);
  }
};

// The noise counter of environment e's frame after `step` steps of its episode
// `episode` (the first frame of an episode has step 0).
inline NoiseClock noise_clock(std::int64_t episode, std::int64_t step) noexcept {
  return {static_cast<std::uint32_t>(episode), static_cast<std::uint32_t>(step)};
}

inline constexpr std::size_t kRecentEpisodes = 20;

// Consumes a learner's stop request when train_until() returns, however it ends
// (target, stop, an exception): `ConsumeStop consume{stop_};` at its top.
struct ConsumeStop {
  std::atomic<bool>& stop;
  ~ConsumeStop() { stop.store(false, std::memory_order_relaxed); }
};

// The counters and the last (up to) kRecentEpisodes returns, oldest first.
struct EpisodeCounters {
  std::int64_t steps = 0;
  std::int64_t episodes = 0;
  std::vector<double> recent;

  // Counts a finished episode and reports it. Not thread-safe (the async runtime
  // serialises calls).
  void record(double ret, std::int64_t length, int env_index, std::int64_t at_step,
              const EpisodeFn& on_episode) {
    ++episodes;
    recent.push_back(ret);
    if (recent.size() > kRecentEpisodes) recent.erase(recent.begin());
    if (on_episode) on_episode(EpisodeRecord{at_step, episodes, ret, length, env_index});
  }
  // The one progress report of every runtime and algorithm.
  TrainProgress progress(std::int64_t step, std::int64_t total, std::int64_t steps_this_run,
                         std::chrono::steady_clock::time_point started) const {
    TrainProgress p;
    p.step = step;
    p.total_steps = total;
    p.episodes = episodes;
    if (!recent.empty()) {
      double s = 0.0;
      for (double r : recent) s += r;
      p.recent_return = s / static_cast<double>(recent.size());
      p.has_recent_return = true;
    }
    const double dt =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    p.steps_per_second = dt > 0 ? static_cast<double>(steps_this_run) / dt : 0.0;
    return p;
  }
};

struct RunState {
  std::vector<EnvSlot> slots;
  EpisodeCounters counters;
};

}  // namespace coagent::detail
