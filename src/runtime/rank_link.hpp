// src/runtime/rank_link.hpp — a rank's link to the other ranks in a distributed run
// (docs/design.md §6.4). Internal.
//
// Contract
//   * Tasks (any worker thread) hand it work through slices_done(), observation(),
//     criticised() and env_done(): each only enqueues to a moodycamel
//     queue and never blocks. poll() and closed() run on the rank's communication
//     thread — the driver thread, the only one that calls the Wire.
//   * Every rank assembles every frame of every level: a layer's frame is complete
//     when this rank's slices are written and the slice of every other rank holding
//     neurons of the layer has arrived. Slices of one (level, environment) arrive in
//     step order from each rank, but a rank's slice of step t+1 may arrive before this
//     rank finished step t, so they are keyed by step and staged until then.
//   * Observations: an environment's rank encodes it; with an environment critic the
//     frame goes to rank 0, whose critic serializer fills in the TD error; then it is
//     sent to every rank, which publishes the step entry before the frame.
//   * Ending: when every environment is done and no frame is half-assembled, a rank
//     sends "closed" to every other rank as its last message, and the run ends when
//     every rank's "closed" has arrived and every send has completed, so no message
//     of a run is left for the next one.
//   * Errors and stops: the first local error (or a stop request) is sent to every
//     rank, which halts as the sender did and rethrows it as "rank R: ...". A stop
//     (or an episode callback's error) ends at a clean step: every rank freezes its
//     claims and sends the last global step it claimed (its frontier); with every
//     rank's known, environments take the steps up to the latest, so no step is left
//     out (a frame after it would wait forever). A hard halt (an environment's error)
//     leaves such frames: a rank then closes once it has no task left, and frames that
//     complete after the halt are dropped.
//   * Episodes are recorded on rank 0 (its first shard of the last layer, in the run's
//     order): no message.
#pragma once

#include <concurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "coagent/wire.hpp"
#include "runtime/async_run.hpp"

namespace coagent::runtime {

class RankLink {
 public:
  RankLink(Wire& wire, Placement place) : wire_(wire), place_(place) {}
  // Before the run's first task: sizes the assembly from the run and takes the
  // current frames as the latest of every level.
  void attach(AsyncRun& run);

  // From tasks.
  void slices_done(Frame* f) { outbox_.enqueue({Out::slice, f}); }
  void observation(Frame* f) { outbox_.enqueue({Out::observation, f}); }
  void criticised(Frame* f) { outbox_.enqueue({Out::criticised, f}); }
  void env_done() { outbox_.enqueue({Out::env_done}); }

  // On the communication thread: does what is queued and what arrived; true if
  // anything was done.
  bool poll();
  bool closed() const noexcept { return closed_; }
  // Steps taken by every environment of the run (counted from the observations).
  std::int64_t steps() const noexcept { return steps_.load(std::memory_order_relaxed); }
  // The last complete frame of a level for an environment.
  const std::vector<float>& latest(int level, int e) const { return latest_[level][e]; }

 private:
  enum class Out : std::uint8_t { slice, observation, criticised, env_done };
  struct Item {
    Out what;
    Frame* frame = nullptr;
  };
  struct Assembly {
    Frame* frame = nullptr;  // set when this rank's slices are done
    int arrived = 0;
    std::vector<std::pair<int, WireBytes>> staged;  // (from, message) before that
  };
  using Key = std::tuple<int, int, std::int64_t>;  // level, environment, step

  void handle(const Item& it);
  void receive(int from, WireBytes& msg);
  void send_all(std::shared_ptr<const WireBytes> msg);
  void apply_slice(Frame* f, int from, const WireBytes& msg) const;
  void complete(Frame* f);
  void deliver_observation(Frame* f);
  void send_halt();
  void send_frontier(bool final);
  void frontier(std::int64_t at);

  Wire& wire_;
  Placement place_;
  AsyncRun* run_ = nullptr;
  moodycamel::ConcurrentQueue<Item> outbox_;
  std::map<Key, Assembly> assembly_;
  std::vector<int> expected_;  // per level: slices from other ranks
  std::vector<std::vector<std::vector<float>>> latest_;
  bool noise_pad_ = false;  // dfa: the output frame's padding carries the noise
  std::atomic<std::int64_t> steps_{0};
  bool halt_sent_ = false, closing_ = false, closed_ = false, frontier_sent_ = false;
  int frontiers_ = 0;                 // ranks whose last claimed step is known
  std::int64_t max_frontier_ = -1;
  int closed_ranks_ = 0;
};

}  // namespace coagent::runtime
