// src/runtime/async_steps.cpp — what the asynchronous run's shards do: the run's order,
// a shard's serializer and frame, the publication and delivery of complete frames. The
// environments' side is in async_envs.cpp; the contract is in async_runtime.hpp.
#include "runtime/async_run.hpp"
#include "runtime/rank_link.hpp"

#include <bit>
#include <cassert>

namespace coagent::runtime {

// Runs s's frames in the run's one order of (step, environment) — lockstep's — however
// they arrive: f now if it is next, else held until the frames before it have run.
// Every serializer (each shard, the entry) sees every frame of a run, so each one
// applies the same updates in the same order as lockstep, for any number of
// environments, workers, shard sizes, executors and ranks.
template <class Fn>
void AsyncRun::in_order(Shard& s, Frame* f, Fn&& run) {
  if (f->seq != s.expect) {
    assert(f->seq > s.expect && !s.held[f->env] && "a frame out of the run's order");
    s.held[f->env] = f;
    return;
  }
  for (;;) {
    const std::int64_t seq = f->seq;
    const FrameKind kind = f->kind;
    run(f);  // may release f
    s.expect = next_seq(seq, kind);
    Frame*& next = s.held[(s.expect / 2) % E_];
    if (!next || next->seq != s.expect) return;
    f = std::exchange(next, nullptr);
  }
}

Frame* AsyncRun::acquire(int level) {
  created_.fetch_add(1, std::memory_order_relaxed);
  Frame* f = pools_[level]->acquire(misses_);
  if (level == 0)  // an observation frame: read by layer 0's shards on this rank
    f->refs.store(static_cast<int>(shards_[0].size()), std::memory_order_relaxed);
  return f;
}

void AsyncRun::release(Frame* f) {
  if (f->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) discard(f);
}

void AsyncRun::discard(Frame* f) {
  released_.fetch_add(1, std::memory_order_relaxed);
  pools_[f->level]->release(f);
}

// Count first, then enqueue: `pending` is then never below the number of messages
// a task can dequeue, so it never goes negative and only the producer that moves
// it from 0 starts a task. (Enqueue-then-count lets a draining task take a
// message not yet counted; the count dips below 0 and a later 0 -> 1 starts a
// second task beside the running one — ThreadSanitizer caught exactly that.)
bool AsyncRun::enlist(Shard& s, Frame* f) {
  const bool start = s.pending.fetch_add(1, std::memory_order_acq_rel) == 0;
  s.inbox.enqueue(f);
  return start;
}

void AsyncRun::post(Shard& s, Frame* f) {
  if (enlist(s, f)) spawn([this, &s] { shard_task(s); });
}

void AsyncRun::shard_task(Shard& s) {
  [[maybe_unused]] const bool was_running = s.running.exchange(true, std::memory_order_acquire);
  assert(!was_running && "two tasks of one shard ran at once");
  Frame* batch[kBatch];
  const std::size_t n = s.inbox.try_dequeue_bulk(batch, kBatch);
  for (std::size_t i = 0; i < n; ++i) {
    if (&s == &entry_) in_order(s, batch[i], [this](Frame* f) { enter(f); });
    else in_order(s, batch[i], [this, &s](Frame* f) { process(s, f); });
  }
  s.processed += static_cast<std::int64_t>(n);
  ++s.tasks;
  s.running.store(false, std::memory_order_release);
  // Last step: reschedule if more work is counted (arrived, or counted and still
  // being enqueued: then the next run finds it).
  if (s.pending.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_acq_rel) !=
      static_cast<std::int64_t>(n))
    spawn([this, &s] { shard_task(s); });
}

void AsyncRun::process(Shard& s, Frame* in) {
  const int e = in->env;
  const FrameKind kind = in->kind;
  LayerState& layer = net_.layer(s.layer);
  const LayerSpec& spec = net_.spec(s.layer);
  Frame* out = in->next;
  Frame* prev = s.prev[e];
  assert(kind == FrameKind::first || prev != nullptr);
  const float* v_prev = prev ? prev->data.data() : nullptr;
  // Emit first (the sweep: it also applies the shard's pending row updates and takes the
  // learn's dot products): the slice goes downstream before this shard learns.
  neurons_emit(spec, net_.rule(), layer, e, s.begin, s.end, s.kept ? s.kept->data.data() : nullptr,
               v_prev, in->data.data(), kind, out->data.data(),
               (in->explore_mask >> s.layer) & 1u, in->clock);
  if (s.kept) release(std::exchange(s.kept, nullptr));
  if (out->writers.fetch_sub(1, std::memory_order_acq_rel) == 1) slices_done(out);
  StepSignal signal;
  if (kind != FrameKind::first) {
    const auto& b = envs_[e].broadcast.read(in->step);
    signal = StepSignal{b.reward, b.terminated, b.td, b.grad};
    if (kind == FrameKind::last && &s == recorder_) record_episode(b, e);
  }
  neurons_learn(spec, net_.rule(), layer, e, s.begin, s.end, v_prev, signal, kind);
  // The row updates just recorded step along v_prev: hold its frame for the next sweep.
  if (prev) {
    if (rows_pending(spec, net_.rule(), layer, kind)) s.kept = prev;
    else release(prev);
  }
  if (kind == FrameKind::last) {
    release(in);
    s.prev[e] = nullptr;
  } else {
    s.prev[e] = in;
  }
}

// This rank's slices of f are written: alone, f is complete; distributed, the link
// sends them and completes f when the other ranks' slices are in.
void AsyncRun::slices_done(Frame* f) {
  if (link_) link_->slices_done(f);
  else publish(f);
}

// A complete frame at `level`: hand it to the layer that reads it, or to its
// environment if it is the output.
void AsyncRun::publish(Frame* f) {
  const int k = f->level;
  if (k == L_) {
    on_output(f->env, f);
    return;
  }
  published_[k]->fetch_add(1, std::memory_order_relaxed);
  Frame* nx = acquire(k + 1);
  nx->env = f->env;
  nx->step = f->step;
  nx->seq = f->seq;
  nx->kind = f->kind;
  nx->explore_mask = f->explore_mask;
  nx->clock = f->clock;
  nx->writers.store(static_cast<int>(shards_[k].size()), std::memory_order_relaxed);
  nx->refs.store(k + 1 == L_ ? 1 : static_cast<int>(shards_[k + 1].size()),
                 std::memory_order_relaxed);
  f->next = nx;
  if (shards_[k].empty()) {  // distributed: no neuron of layer k here
    discard(f);
    slices_done(nx);
    return;
  }
  // One delivery task per chunk of layer k; the first one this thread spawns runs on it
  // next (scheduler bypass), the others wait to be stolen. With several environments,
  // or a single chunk, the shards are posted here instead, one by one, and only those
  // that this starts cost a task: frames then mostly find their shards running, and a
  // delivery task per frame and chunk cost 8-22% on `small` with 8 environments.
  const auto& chunks = chunks_[k];
  if (E_ > 1 || chunks.size() == 1) {
    post_each(k, f);
    return;
  }
  f->undelivered.store(chunks.size() == 64 ? ~std::uint64_t{0}
                                           : (std::uint64_t{1} << chunks.size()) - 1,
                       std::memory_order_relaxed);
  for (std::size_t c = 0; c < chunks.size(); ++c) spawn([this, f] { deliver(f); });
}

// The calling worker's chunk of layer k, or -1 (none, or not a worker).
int AsyncRun::own_chunk(int k) const {
  const int w = ex_.worker_index();
  const auto& homes = home_chunk_[k];
  return w >= 0 && w < static_cast<int>(homes.size()) ? homes[w] : -1;
}

// Posts f to layer k's shards one by one, in an order that keeps shards on their home
// worker: the poster's first own shard (bypass), the others' (stolen oldest-first),
// then its own others (popped newest-first).
void AsyncRun::post_each(int k, Frame* f) {
  const int mine = own_chunk(k);
  const auto& chunks = chunks_[k];
  const std::vector<Shard*>* own =
      mine >= 0 ? &chunks[static_cast<std::size_t>(mine)].shards : nullptr;
  if (own) post(*own->front(), f);
  for (std::size_t c = 0; c < chunks.size(); ++c)
    if (static_cast<int>(c) != mine)
      for (Shard* s : chunks[c].shards) post(*s, f);
  if (own)
    for (std::size_t i = own->size(); i > 1; --i) post(*(*own)[i - 1], f);
}

// A delivery task of frame f: claims one chunk of the layer that reads f (the running
// worker's own chunk if it is still unclaimed, else the first one left) and posts f to
// its shards, running, one after the other, the shards whose `pending` this moved from
// 0 (enlist's serializer), each right after its post. A layer has as many
// delivery tasks as chunks, so every task finds one to claim. The delivering worker
// counts and enqueues on its own shards, whose lines are in its cache: the publisher
// touches only f.
void AsyncRun::deliver(Frame* f) {
  const int k = f->level;
  const int mine = own_chunk(k);
  // Until this task claims a chunk, that chunk's shards hold f (refs): f stays alive.
  auto claim = [&](int i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    return (f->undelivered.fetch_and(~bit, std::memory_order_acq_rel) & bit) != 0;
  };
  int c = mine >= 0 && claim(mine) ? mine : -1;
  while (c < 0) {
    const std::uint64_t left = f->undelivered.load(std::memory_order_acquire);
    assert(left != 0 && "more delivery tasks than chunks");
    const int i = std::countr_zero(left);
    if (claim(i)) c = i;
  }
  for (Shard* s : chunks_[k][static_cast<std::size_t>(c)].shards)
    if (enlist(*s, f)) shard_task(*s);
}

}  // namespace coagent::runtime
