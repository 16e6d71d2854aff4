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
  // A level-0 frame whose step entry is set: to the environment critic's serializer.
  void post_critic(Frame* f) { post(critic_, f); }
  RewardBroadcast& broadcast(int e) noexcept { return envs_[e].broadcast; }
  void record_episode(double ret, std::int64_t length, int e, std::int64_t at_step);
  void env_done();
  // An error or stop on another rank: stop here too (now: as for an environment
  // failure; else as for a stop request). `error` may be null (a stop).
  void halt_from_remote(std::exception_ptr error, bool now);
  std::exception_ptr error() const;
  bool hard_halt() const noexcept { return halt_.load(std::memory_order_relaxed); }
  bool local_stop() const noexcept { return in_.stop.load(std::memory_order_relaxed); }
  bool all_envs_done() const;

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
  void process(Shard& s, Frame* in);
  void slices_done(Frame* f);
  void publish_observation(int e, FrameKind kind, StepEntry entry = {});
  void criticise(Frame* f);
  bool claim_step(int e);
  void on_output(int e, Frame* out);
  void keep_output(EnvActor& a, Frame* out);
  void finish_env();
  enum class Halt { now, at_step_boundary };
  void fail(std::exception_ptr e, Halt how);
  void plan_chunks();
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
  std::vector<std::int64_t> env_budget_, env_taken_;  // distributed: steps per environment
  std::int64_t base_steps_ = 0;
  std::atomic<std::int64_t> claimed_{0};
  std::atomic<std::int64_t> created_{0}, released_{0}, misses_{0};
  std::atomic<bool> halt_{false}, soft_halt_{false};
  std::mutex episodes_mu_;
  std::mutex obs_mu_;  // obs-norm running: the shared statistics, updated and read by env actors
  Shard critic_;  // the environment critic's serializer (rules perturb, dfa); layer -1
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  int envs_done_ = 0;
  std::exception_ptr error_;
};

}  // namespace coagent::runtime
