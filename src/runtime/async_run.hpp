// src/runtime/async_run.hpp — one rank's asynchronous run: shards, frames, reward
// broadcasts and environment actors over an Executor (the contract is in
// async_runtime.hpp). Alone (run_async) it is the whole network; with a RankLink
// (run_distributed, rank_link.hpp) it holds this rank's block of every layer and its
// share of the environments, and every complete frame and observation passes
// through the link, which exchanges them with the other ranks. Internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "runtime/async_actors.hpp"
#include "runtime/async_runtime.hpp"
#include "runtime/frame_pool.hpp"

namespace coagent::runtime {

class RankLink;

// Which rank holds what (docs/design.md §6.4): every layer is cut into R contiguous
// blocks whose sizes differ by at most one (rank r holds the r-th); environment e
// lives on rank e mod R; the environment critic on rank 0.
struct Placement {
  int rank = 0, ranks = 1;
  std::pair<int, int> block(int width, int r) const noexcept {
    const int base = width / ranks, extra = width % ranks;
    const int lo = r * base + std::min(r, extra);
    return {lo, lo + base + (r < extra ? 1 : 0)};
  }
  std::pair<int, int> block(int width) const noexcept { return block(width, rank); }
  int env_owner(int e) const noexcept { return e % ranks; }
  bool owns_env(int e) const noexcept { return env_owner(e) == rank; }
};

class AsyncRun {
 public:
  AsyncRun(const AsyncInputs& in, Executor& ex, int shard_size, Placement place = {},
           RankLink* link = nullptr);
  RunStats run(const ProgressFn& progress, double progress_seconds);

  // --- for the rank link (its thread) ----------------------------------------------
  const AsyncInputs& inputs() const noexcept { return in_; }
  int layers() const noexcept { return L_; }
  int envs() const noexcept { return E_; }
  int stride(int level) const noexcept { return stride_[level]; }
  Frame* acquire(int level);
  void discard(Frame* f);  // a frame nobody on this rank consumes
  // A complete frame of level k: to layer k's local shards (k < L), or to its
  // environment's actor, on this thread (k = L).
  void publish(Frame* f);
  // A complete output frame from the link: to its environment's actor as a task if
  // this rank owns the environment; else kept (on the calling thread, in step order).
  void spawn_output(Frame* f);
  // A level-0 frame whose step entry is set: to the entry serializer (the environment
  // critic's).
  void post_critic(Frame* f) { post(entry_, f); }
  RewardBroadcast& broadcast(int e) noexcept { return envs_[e].broadcast; }
  void env_done();
  // An error or stop on another rank: stop here too (now: as for an environment
  // failure; else as for a stop request). `error` may be null (a stop).
  void halt_from_remote(std::exception_ptr error, bool now);
  std::exception_ptr error() const;
  bool hard_halt() const noexcept { return halt_.load(std::memory_order_relaxed); }
  bool local_stop() const noexcept { return in_.stop.load(std::memory_order_relaxed); }
  bool all_envs_done() const;
  // Stopping at a clean step (see claim_step): whether this rank should stop; then
  // freeze() stops its claims and returns the last global step it claimed, and
  // release(limit) lets its environments take the steps below `limit` (the maximum of
  // every rank's freeze() plus one), so every step before the stop is taken everywhere.
  bool stop_wanted() const noexcept;
  std::int64_t freeze();
  void release_limit(std::int64_t limit);
  // No task of this run is queued or running (a halted distributed run's end).
  bool quiet() const noexcept { return active_.load(std::memory_order_acquire) == 0; }

 private:
  std::int64_t steps_taken() const;
  void release(Frame* f);
  // Queues f on s; true when the caller must start s's task (see the .cpp).
  bool enlist(Shard& s, Frame* f);
  void post(Shard& s, Frame* f);
  void deliver(Frame* f);
  void post_each(int k, Frame* f);
  int own_chunk(int k) const;
  void shard_task(Shard& s);
  template <class Fn>
  void in_order(Shard& s, Frame* f, Fn&& run);
  void process(Shard& s, Frame* in);
  template <class Fn>
  void spawn(Fn&& fn);
  void slices_done(Frame* f);
  void publish_observation(int e, FrameKind kind, StepEntry entry = {});
  void enter(Frame* f);
  enum class Claim { go, park, done };
  Claim claim_step(int e);
  void begin_stop_locked();
  void record_episode(const StepEntry& entry, int e);
  void on_output(int e, Frame* out);
  void act(int e);
  void keep_output(EnvActor& a, Frame* out);
  void finish_env();
  enum class Halt { now, at_step_boundary };
  void fail(std::exception_ptr e, Halt how);
  void plan_chunks();
  std::vector<Shard*> all_serializers();  // the entry serializer and every shard
  void start_frames();
  void wait_local(const std::function<void()>& report, double seconds);
  void write_back();

  const AsyncInputs& in_;
  Network& net_;
  Executor& ex_;
  const int L_, E_;
  Placement place_;
  RankLink* link_;
  std::vector<int> stride_;
  std::vector<std::vector<std::unique_ptr<Shard>>> shards_;
  // chunks_[k]: layer k's shards by home worker (shard affinity, async_runtime.hpp);
  // home_chunk_[k][w]: worker w's chunk of layer k, or -1 if it has none.
  struct Chunk {
    std::vector<Shard*> shards;
  };
  std::vector<std::vector<Chunk>> chunks_;
  std::vector<std::vector<int>> home_chunk_;
  std::vector<std::unique_ptr<FramePool>> pools_;
  std::vector<std::unique_ptr<std::atomic<std::int64_t>>> published_;
  std::vector<EnvActor> envs_;
  std::int64_t base_steps_ = 0;
  // Claims of global steps (claim_step): under claim_mu_.
  std::mutex claim_mu_;
  std::int64_t limit_ = 0;        // steps below it may be taken
  std::int64_t max_claimed_ = 0;  // the last step claimed on this rank (base - 1: none)
  bool stopping_ = false, frozen_ = false;
  std::vector<int> parked_;       // environments waiting for the limit while frozen
  std::atomic<std::int64_t> claimed_{0};
  std::atomic<std::int64_t> active_{0};  // tasks queued or running
  Shard* recorder_ = nullptr;  // the shard that records episodes (rank 0, last layer)
  bool entry_stage_ = false;   // observations pass entry_ (critic, obs-norm running)
  std::atomic<std::int64_t> created_{0}, released_{0}, misses_{0};
  std::atomic<bool> halt_{false}, soft_halt_{false};
  std::mutex episodes_mu_;
  // The entry serializer (layer -1): the environment critic (rules perturb, dfa) and
  // obs-norm running's statistics see the observations in the run's order.
  Shard entry_;
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  int envs_done_ = 0;
  std::exception_ptr error_;
};

// Every task of the run goes through here: `active_` counts it until it has finished
// (a halted distributed run ends only when this rank is quiet).
template <class Fn>
inline void AsyncRun::spawn(Fn&& fn) {
  active_.fetch_add(1, std::memory_order_relaxed);
  ex_.spawn([this, fn = std::forward<Fn>(fn)]() mutable {
    fn();
    active_.fetch_sub(1, std::memory_order_acq_rel);
  });
}

}  // namespace coagent::runtime
