// src/runtime/async_runtime.cpp — shards, frames, reward broadcast and environment
// actors over an Executor. The concurrency contract is in async_runtime.hpp.
#include "runtime/async_runtime.hpp"
#include "runtime/async_actors.hpp"
#include "runtime/frame_pool.hpp"

#include <concurrentqueue.h>

#include <array>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace coagent::runtime {
namespace {

class AsyncRun {
 public:
  AsyncRun(const AsyncInputs& in, Executor& ex, int shard_size)
      : in_(in), net_(in.net), ex_(ex), L_(net_.num_layers()), E_(in.cfg.envs) {
    const auto shape = net_.shape();
    for (int w : shape) stride_.push_back(padded(w));
    shards_.resize(L_);
    for (int l = 0; l < L_; ++l) {
      const int width = net_.layer(l).params.width;
      const int size = shard_size_for(shard_size, width, net_.layer(l).params.fan_in,
                                      ex.concurrency(), E_);
      for (int b = 0; b < width; b += size) {
        auto s = std::make_unique<Shard>();
        s->layer = l;
        s->begin = b;
        s->end = std::min(width, b + size);
        s->prev.assign(E_, nullptr);
        shards_[l].push_back(std::move(s));
      }
    }
    for (int k = 0; k <= L_; ++k)
      pools_.push_back(std::make_unique<FramePool>(k, stride_[k], 3 * E_ + 2));
    for (int k = 0; k <= L_; ++k)
      published_.push_back(std::make_unique<std::atomic<std::int64_t>>(0));
    envs_.resize(E_);
    for (auto& a : envs_) a.action.assign(net_.action_size(), 0.0);
    base_steps_ = in_.run.counters.steps;
    critic_.layer = -1;
  }

  RunStats run(const ProgressFn& progress, double progress_seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    // Seed every shard's "previous frame" and every environment's pending action
    // from the trainer's state, so a run continues exactly where the last one stopped.
    std::vector<Frame*> outputs(E_);
    for (int e = 0; e < E_; ++e) {
      detail::EnvSlot& slot = in_.run.slots[e];
      envs_[e].episode_return = slot.episode_return;
      envs_[e].episode_length = slot.episode_length;
      for (int k = 0; k <= L_; ++k) {
        Frame* f = acquire(k);
        const float* src = slot.frames[k].data() + static_cast<std::size_t>(slot.parity) * stride_[k];
        std::copy(src, src + stride_[k], f->data.begin());
        f->env = e;
        f->kind = FrameKind::mid;
        if (k < L_) {
          f->refs.store(static_cast<int>(shards_[k].size()), std::memory_order_relaxed);
          for (auto& s : shards_[k]) s->prev[e] = f;
        } else {
          f->refs.store(1, std::memory_order_relaxed);
          outputs[e] = f;
        }
      }
    }
    for (int e = 0; e < E_; ++e) ex_.spawn([this, e, f = outputs[e]] { on_output(e, f); });

    auto report = [&] {
      if (!progress) return;
      TrainProgress p;
      {
        std::lock_guard lock(episodes_mu_);
        const std::int64_t taken = steps_taken();
        p = in_.run.counters.progress(base_steps_ + taken, in_.total, taken, t0);
      }
      progress(p);
    };
    // The callback is the application's code: whatever it throws is kept, the
    // environments stop as for a stop request (the state stays resumable), and it
    // propagates only after every task has finished with the frames this function owns.
    auto report_or_halt = [&] {
      try {
        report();
      } catch (...) {
        fail(std::current_exception(), Halt::at_step_boundary);
      }
    };
    {
      std::unique_lock lock(done_mu_);
      while (!done_cv_.wait_for(lock, std::chrono::duration<double>(progress_seconds),
                                [&] { return envs_done_ == E_; })) {
        lock.unlock();
        report_or_halt();
        lock.lock();
      }
    }
    ex_.wait_idle();
    write_back();
    in_.run.counters.steps += steps_taken();
    if (!error_) report_or_halt();
    if (error_) std::rethrow_exception(error_);

    RunStats st;
    st.env_steps = steps_taken();
    st.frames_created = created_.load();
    st.frames_released = released_.load();
    st.pool_misses = misses_.load();
    for (int l = 0; l < L_; ++l) {
      st.expected_messages += published_[l]->load() * static_cast<std::int64_t>(shards_[l].size());
      for (auto& s : shards_[l]) {
        st.shard_messages += s->processed;
        st.tasks += s->tasks;
      }
    }
    return st;
  }

 private:
  std::int64_t steps_taken() const {
    const std::int64_t budget = in_.until - base_steps_;
    return std::max<std::int64_t>(0, std::min(claimed_.load(), budget));
  }

  Frame* acquire(int level) {
    created_.fetch_add(1, std::memory_order_relaxed);
    return pools_[level]->acquire(misses_);
  }

  void release(Frame* f) {
    if (f->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      released_.fetch_add(1, std::memory_order_relaxed);
      pools_[f->level]->release(f);
    }
  }

  // Count first, then enqueue: `pending` is then never below the number of messages
  // a task can dequeue, so it never goes negative and only the producer that moves
  // it from 0 starts a task. (Enqueue-then-count lets a draining task take a
  // message not yet counted; the count dips below 0 and a later 0 -> 1 starts a
  // second task beside the running one — ThreadSanitizer caught exactly that.)
  void post(Shard& s, Frame* f) {
    const bool start = s.pending.fetch_add(1, std::memory_order_acq_rel) == 0;
    s.inbox.enqueue(f);
    if (start) ex_.spawn([this, &s] { shard_task(s); });
  }

  void shard_task(Shard& s) {
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

  void process(Shard& s, Frame* in) {
    const int e = in->env;
    const FrameKind kind = in->kind;
    LayerState& layer = net_.layer(s.layer);
    const LayerSpec& spec = net_.spec(s.layer);
    Frame* out = in->next;
    // Emit first: the slice goes downstream before this shard learns.
    neurons_emit(spec, layer, e, s.begin, s.end, in->data.data(), kind, out->data.data(),
                 (in->explore_mask >> s.layer) & 1u);
    if (out->writers.fetch_sub(1, std::memory_order_acq_rel) == 1) publish(out);
    StepSignal signal;
    if (kind != FrameKind::first) {
      const auto& b = envs_[e].broadcast.read(in->step);
      signal = StepSignal{b.reward, b.terminated, b.td, b.grad};
    }
    Frame* prev = s.prev[e];
    assert(kind == FrameKind::first || prev != nullptr);
    neurons_learn(spec, net_.rule(), layer, e, s.begin, s.end,
                  prev ? prev->data.data() : in->data.data(), in->data.data(), signal, kind);
    if (prev) release(prev);
    if (kind == FrameKind::last) {
      release(in);
      s.prev[e] = nullptr;
    } else {
      s.prev[e] = in;
    }
  }

  // A complete frame at `level`: hand it to the layer that reads it, or to its
  // environment if it is the output.
  void publish(Frame* f) {
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
    nx->writers.store(static_cast<int>(shards_[k].size()), std::memory_order_relaxed);
    nx->refs.store(k + 1 == L_ ? 1 : static_cast<int>(shards_[k + 1].size()),
                   std::memory_order_relaxed);
    f->next = nx;
    for (auto& s : shards_[k]) post(*s, f);
  }

  // Encodes environment e's observation into a level-0 frame; for a step (kind mid or
  // last) the step's broadcast entry is published before the frame. With an environment
  // critic the frame first goes to the critic's serializer, which learns, fills in the
  // TD error (and action gradient) and publishes both (criticise).
  void publish_observation(int e, FrameKind kind, RewardBroadcast::Entry entry = {}) {
    Frame* f = acquire(0);
    f->env = e;
    f->step = envs_[e].step;
    f->kind = kind;
    f->explore_mask = in_.run.slots[e].explore_mask;
    f->refs.store(static_cast<int>(shards_[0].size()), std::memory_order_relaxed);
    net_.encode(in_.run.slots[e].obs, f->data.data());
    if (in_.critic) {
      envs_[e].stepped = entry;  // read by the critic's task, after the post below
      post(critic_, f);
      return;
    }
    if (kind != FrameKind::first) envs_[e].broadcast.publish(entry);
    publish(f);
  }

  // The environment critic's serializer: one task at a time, frames in arrival order
  // (with one environment, lockstep's order). The output frame of the step it learns
  // from (the environment's last_output) carries the output noise for rule dfa; it is
  // not replaced before this frame's output is complete.
  void criticise(Frame* f) {
    const int e = f->env;
    EnvCritic& critic = *in_.critic;
    const std::span<const float> v(f->data.data(), f->data.size());
    if (f->kind == FrameKind::first) {
      critic.begin(e, v);
    } else {
      RewardBroadcast::Entry entry = envs_[e].stepped;
      entry.td = critic.step(e, v, entry.reward, entry.terminated,
                             envs_[e].last_output->data.data() + net_.action_size(),
                             entry.grad.data());
      envs_[e].broadcast.publish(entry);
    }
    publish(f);
  }

  bool claim_step() {
    if (halt_.load(std::memory_order_relaxed) || soft_halt_.load(std::memory_order_relaxed) ||
        in_.stop.load(std::memory_order_relaxed))
      return false;
    return base_steps_ + claimed_.fetch_add(1, std::memory_order_relaxed) < in_.until;
  }

  // The environment actor: runs when its output frame is complete (one at a time
  // per environment, because it has only one frame in flight).
  void on_output(int e, Frame* out) {
    EnvActor& a = envs_[e];
    detail::EnvSlot& slot = in_.run.slots[e];
    if (a.last_output) release(a.last_output);
    a.last_output = out;
    try {
      if (out->kind == FrameKind::last) {
        try {
          std::lock_guard lock(episodes_mu_);
          in_.run.counters.record(a.episode_return, a.episode_length, e,
                                  base_steps_ + steps_taken(), in_.on_episode);
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
      } else if (claim_step()) {
        net_.decode(out->data.data(), a.action);
        check_action_finite(a.action, L_, base_steps_ + claimed_.load(std::memory_order_relaxed));
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
    std::lock_guard lock(done_mu_);
    ++envs_done_;
    done_cv_.notify_all();
  }

  // now: an environment failed; nothing more is stepped or reset.
  // at_step_boundary: an application callback failed; environments stop as for a
  //   stop request (an episode that just ended still resets), so the state resumes.
  enum class Halt { now, at_step_boundary };
  // Keeps the first error and makes every actor stop producing.
  void fail(std::exception_ptr e, Halt how) {
    std::lock_guard lock(done_mu_);
    if (!error_) error_ = std::move(e);
    (how == Halt::now ? halt_ : soft_halt_).store(true, std::memory_order_relaxed);
  }

  void write_back() {
    for (int e = 0; e < E_; ++e) {
      detail::EnvSlot& slot = in_.run.slots[e];
      const int q = 1 - slot.parity;
      for (int k = 0; k <= L_; ++k) {
        Frame* f = k < L_ ? shards_[k][0]->prev[e] : envs_[e].last_output;
        if (f) std::copy(f->data.begin(), f->data.end(),
                         slot.frames[k].begin() + static_cast<std::ptrdiff_t>(q) * stride_[k]);
        if (k < L_) {
          for (auto& s : shards_[k])
            if (s->prev[e]) release(std::exchange(s->prev[e], nullptr));
        } else if (f) {
          release(std::exchange(envs_[e].last_output, nullptr));
        }
      }
      slot.parity = q;
      slot.episode_return = envs_[e].episode_return;
      slot.episode_length = envs_[e].episode_length;
    }
  }

  const AsyncInputs& in_;
  Network& net_;
  Executor& ex_;
  const int L_, E_;
  std::vector<int> stride_;
  std::vector<std::vector<std::unique_ptr<Shard>>> shards_;
  std::vector<std::unique_ptr<FramePool>> pools_;
  std::vector<std::unique_ptr<std::atomic<std::int64_t>>> published_;
  std::vector<EnvActor> envs_;
  std::int64_t base_steps_ = 0;
  std::atomic<std::int64_t> claimed_{0};
  std::atomic<std::int64_t> created_{0}, released_{0}, misses_{0};
  std::atomic<bool> halt_{false}, soft_halt_{false};
  std::mutex episodes_mu_;
  Shard critic_;  // the environment critic's serializer (rules perturb, dfa); layer -1
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  int envs_done_ = 0;
  std::exception_ptr error_;
};

}  // namespace

RunStats run_async(const AsyncInputs& in, Executor& executor, int shard_size,
                   const ProgressFn& progress, double progress_seconds) {
  AsyncRun run(in, executor, shard_size);
  return run.run(progress, progress_seconds);
}

}  // namespace coagent::runtime
