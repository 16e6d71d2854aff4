// src/runtime/async_steps.cpp — what the asynchronous run's actors do: a shard's
// serializer and frame, the publication of complete frames, the environment critic's
// serializer and the environment actor. The contract is in async_runtime.hpp.
#include "runtime/async_run.hpp"
#include "runtime/rank_link.hpp"

#include <bit>
#include <cassert>

namespace coagent::runtime {

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
  if (enlist(s, f)) ex_.spawn([this, &s] { shard_task(s); });
}

void AsyncRun::shard_task(Shard& s) {
  [[maybe_unused]] const bool was_running = s.running.exchange(true, std::memory_order_acquire);
  assert(!was_running && "two tasks of one shard ran at once");
  Frame* batch[kBatch];
  const std::size_t n = s.inbox.try_dequeue_bulk(batch, kBatch);
  for (std::size_t i = 0; i < n; ++i) {
    if (&s == &critic_) criticise(batch[i]);
    else process(s, batch[i]);
  }
  s.processed += static_cast<std::int64_t>(n);
  ++s.tasks;
  s.running.store(false, std::memory_order_release);
  // Last step: reschedule if more work is counted (arrived, or counted and still
  // being enqueued: then the next run finds it).
  if (s.pending.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_acq_rel) !=
      static_cast<std::int64_t>(n))
    ex_.spawn([this, &s] { shard_task(s); });
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
  for (std::size_t c = 0; c < chunks.size(); ++c) ex_.spawn([this, f] { deliver(f); });
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

// A rank that does not own environment f->env only keeps the output frame, as the
// owner's actor would. The link's thread does that itself: nothing on this rank orders
// one step's output after the previous one's, so two tasks could race on last_output.
void AsyncRun::spawn_output(Frame* f) {
  if (place_.owns_env(f->env)) ex_.spawn([this, f] { on_output(f->env, f); });
  else keep_output(envs_[f->env], f);
}

void AsyncRun::keep_output(EnvActor& a, Frame* out) {
  if (a.last_output) release(a.last_output);
  a.last_output = out;
}

// Encodes environment e's observation into a level-0 frame; for a step (kind mid or
// last) the step's broadcast entry is published before the frame. With an environment
// critic the frame first goes to the critic's serializer, which learns, fills in the
// TD error (and action gradient) and publishes both (criticise). Distributed, the link
// takes it (to rank 0's critic, or to every rank).
void AsyncRun::publish_observation(int e, FrameKind kind, StepEntry entry) {
  Frame* f = acquire(0);
  f->env = e;
  f->step = envs_[e].step;
  f->kind = kind;
  f->explore_mask = in_.run.slots[e].explore_mask;
  f->clock = detail::noise_clock(in_.run.slots[e].episode_index, envs_[e].episode_length);
  f->entry = entry;
  // dfa: the output frame of the step just taken carries its noise after the voltages.
  if (in_.critic && kind != FrameKind::first)
    for (int a = 0; a < net_.action_size() && a < kMaxGradActions; ++a)
      f->noise[a] = envs_[e].last_output->data[net_.action_size() + a];
  if (net_.obs_norm() == ObsNorm::running) {
    // One set of statistics: with one environment the same updates in lockstep's order.
    const std::lock_guard lock(obs_mu_);
    net_.observe(in_.run.slots[e].obs);
    net_.encode(in_.run.slots[e].obs, f->data.data());
  } else {
    net_.encode(in_.run.slots[e].obs, f->data.data());
  }
  if (link_) {
    link_->observation(f);
    return;
  }
  if (in_.critic) {
    post(critic_, f);
    return;
  }
  if (kind != FrameKind::first) envs_[e].broadcast.publish(entry);
  publish(f);
}

// The environment critic's serializer: one task at a time, frames in arrival order
// (with one environment, lockstep's order).
void AsyncRun::criticise(Frame* f) {
  const int e = f->env;
  EnvCritic& critic = *in_.critic;
  const std::span<const float> v(f->data.data(), f->data.size());
  if (f->kind == FrameKind::first) {
    critic.begin(e, v);
  } else {
    StepEntry& entry = f->entry;
    entry.td = critic.step(e, v, entry.reward, entry.terminated, f->noise.data(),
                           entry.grad.data());
    if (!link_) envs_[e].broadcast.publish(entry);
  }
  if (link_) link_->criticised(f);
  else publish(f);
}

bool AsyncRun::claim_step(int e) {
  if (halt_.load(std::memory_order_relaxed) || soft_halt_.load(std::memory_order_relaxed) ||
      in_.stop.load(std::memory_order_relaxed))
    return false;
  if (link_) return env_taken_[e]++ < env_budget_[e];
  return base_steps_ + claimed_.fetch_add(1, std::memory_order_relaxed) < in_.until;
}

void AsyncRun::record_episode(double ret, std::int64_t length, int e, std::int64_t at_step) {
  std::lock_guard lock(episodes_mu_);
  in_.run.counters.record(ret, length, e, at_step, in_.on_episode);
}

// The environment actor: runs when its output frame is complete (one at a time
// per environment, because it has only one frame in flight). Distributed, only the
// environment's own rank steps it; the others keep the output frame.
void AsyncRun::on_output(int e, Frame* out) {
  EnvActor& a = envs_[e];
  detail::EnvSlot& slot = in_.run.slots[e];
  keep_output(a, out);
  try {
    if (out->kind == FrameKind::last) {
      try {
        const std::int64_t at = base_steps_ + steps_taken();
        if (link_ && place_.rank != 0) link_->episode(e, a.episode_return, a.episode_length, at);
        else record_episode(a.episode_return, a.episode_length, e, at);
      } catch (...) {
        fail(std::current_exception(), Halt::at_step_boundary);  // the episode callback
      }
      if (!halt_.load(std::memory_order_relaxed)) {
        slot.env->reset(std::nullopt, slot.obs);
        a.episode_return = 0.0;
        a.episode_length = 0;
        slot.next_episode(in_.cfg, e);
        publish_observation(e, FrameKind::first);
        return;
      }
    } else if (claim_step(e)) {
      net_.decode(out->data.data(), a.action);
      detail::throw_if_action_diverged(a.action, L_, base_steps_ + steps_taken());
      const StepResult r = slot.env->step(a.action, slot.obs);
      ++a.step;
      a.episode_return += r.reward;
      ++a.episode_length;
      publish_observation(e, r.terminated || r.truncated ? FrameKind::last : FrameKind::mid,
                          {a.step, static_cast<float>(r.reward * in_.cfg.reward_scale),
                           r.terminated, r.truncated});
      return;
    }
  } catch (...) {
    fail(std::current_exception(), Halt::now);
  }
  finish_env();
}

void AsyncRun::finish_env() {
  env_done();
  if (link_) link_->env_done();
}

}  // namespace coagent::runtime
