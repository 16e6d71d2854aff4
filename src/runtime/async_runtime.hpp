// src/runtime/async_runtime.hpp — the asynchronous runtime (docs/design.md §6).
//
// Concurrency contract
// --------------------
// Actors. Every layer is cut into *shards* (contiguous neuron ranges, one inbox
// each); every environment is an actor too. A shard owns its neurons' rows of the
// layer's storage, their traces, noise states and pending row updates: exactly one
// writer per neuron, so parameters need no locks.
//
// Local serializer. A shard has a moodycamel ConcurrentQueue inbox and an atomic
// `pending` count. A producer increments `pending`, then enqueues; the producer
// that moved it from 0 starts the shard's task after its enqueue (a delivery task runs
// it itself, see Affinity). The shard's task drains up to a batch from its inbox,
// processes it, subtracts what it processed (acq_rel), and, as its very last step,
// reschedules itself if `pending` is still non-zero. Because every message is counted
// before it can be dequeued, `pending` is never below the number of messages a task
// can take: it reaches 0 only when the running task has taken and processed
// everything counted, and that task then exits, so at most one task per shard runs at
// a time. A task that finds fewer messages than counted (a producer between its
// increment and its enqueue) just reschedules itself; no task blocks on another. No
// message is lost: the task that brings `pending` to 0 has dequeued every counted
// message.
//
// Frames. A layer's emitted voltages for one (environment, step) are a Frame from a
// per-level pool (allocated up front; the allocator is only hit if the pool runs
// dry, which is counted). The publisher of level-k frame F also takes the level-k+1
// frame that layer k's shards will write (F.next) and sets its `writers` to the
// number of layer-k shards. Each shard writes its slice; the shard whose
// fetch_sub(writers) returns 1 is the last writer and publishes the frame to every
// downstream shard (acq_rel makes all slices visible to it, and the queue's
// release/acquire carries them to the readers). A frame's `refs` counts the
// downstream shards that still hold it (as "the new frame" and then as "the
// previous frame" they learn from, and then as the input of the row updates their
// next sweep applies: Shard::kept, released by that sweep or flushed at the run's
// end); the last release returns it to its pool.
//
// Ordering. Each environment has exactly one frame in flight through the network:
// it acts only when the output frame of its previous step is complete, and after
// an episode's final frame it resets only when that frame's output is complete.
// Environments take lockstep's turns: environment e takes the global steps n with
// n mod E = e (claim_step), and a frame carries its place in lockstep's one order,
// seq = 2n for step n's frame and 2n + 1 for the first frame of the episode that step
// ended. Every serializer (each shard, the entry serializer below) runs its frames in
// seq order, holding a frame that arrives early (at most one per environment) until
// the frames before it have run; episodes are recorded by one shard in that order.
// So every neuron sees the frames of lockstep in lockstep's order, with the same
// counter-based noise, and the results are bit-identical to lockstep for any number
// of environments, threads, shard sizes, executors and ranks. Layers still pipeline
// (layer 2 works on step n while layer 1 works on step n + 1) and environments step
// concurrently with the network and with each other.
//
// Reward broadcast. An environment publishes (step, reward, terminated, truncated)
// once per step into its RewardBroadcast ring before it publishes the observation
// frame; shards read it by step number. At most two steps of one environment are
// live at once (the one being learnt and the one being emitted), so four slots
// never wrap onto a live entry. With rules perturb and dfa the entry also carries the
// TD error (and, for dfa, the action gradient) of the environment-state critic
// (coagent/env_critic.hpp). The entry serializer is an actor with a local serializer
// like a shard's, used with an environment critic or obs-norm running: an environment
// posts its observation frame to it, and its task (one at a time, in seq order)
// updates the running observation statistics and encodes the observation, learns the
// critic from the step, completes and publishes the broadcast entry, then publishes
// the frame to the first layer. No lock on the hot path.
//
// Affinity. Each worker is the home of a contiguous block of every layer's shards,
// its chunk of the layer. A complete frame goes to a layer as one delivery task per
// chunk; the frame's `undelivered` bit mask hands each task one chunk: its worker's own
// if still unclaimed, else the first one left. The task posts the frame to the chunk's
// shards as any producer does and runs, one after another, those whose `pending` it
// moved from 0 (their serializers' tasks). The publisher runs its first delivery task
// next (scheduler bypass); idle workers steal the others. So with one environment a
// worker keeps sweeping the same rows, a layer costs one task hop per worker (not one
// per shard), and the publisher touches none of another worker's shards. With several
// environments (frames then mostly find their shards running) or a single chunk, the
// publisher posts to the shards itself instead, its own first shard first (bypass), the
// others' next (stolen oldest-first), its own rest last. Only who runs what depends on
// it, never a result.
//
// Emit, then learn. A shard's sweep emits its slice (applying its pending row
// updates on the way) and, if it is the last writer, publishes the frame before it
// learns: learning is off the critical path.
//
// Errors and stopping. An exception from an environment, an episode callback (or
// anywhere in a task) or from the progress callback on the calling thread is
// caught, the first one is kept, and every actor stops producing; the calling thread
// waits until the executor is idle (the frames and shards live in its stack frame)
// and only then rethrows it. A stop request (or a callback's exception) ends at a
// clean step: the environments take every step up to the last one claimed, so the
// state is lockstep's after that many steps (distributed: the ranks agree on that
// step first, rank_link.hpp). An environment's exception halts at once: frames
// waiting behind the step it never took are dropped when the run ends.
#pragma once

#include <atomic>
#include <cstdint>

#include "coagent/env_critic.hpp"
#include "coagent/network.hpp"
#include "coagent/placement.hpp"
#include "runtime/executor.hpp"
#include "runtime/run_state.hpp"

namespace coagent::runtime {

// What one asynchronous run reads and writes; everything is owned by the caller.
struct AsyncInputs {
  const TrainConfig& cfg;
  Network& net;
  detail::RunState& run;       // read at the start, written back at the end
  EnvCritic* critic;           // rules perturb and dfa, else nullptr
  const std::atomic<bool>& stop;
  const EpisodeFn& on_episode;
  std::int64_t until;          // train until this many steps
  std::int64_t total;          // the run's target, for progress reports
};

// Trains asynchronously until `in.until` steps (or a stop is requested), starting
// from and writing back to the run state.
RunStats run_async(const AsyncInputs& in, Executor& executor, int shard_size,
                   const ProgressFn& progress, double progress_seconds);

}  // namespace coagent::runtime
