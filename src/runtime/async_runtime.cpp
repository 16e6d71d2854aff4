// src/runtime/async_runtime.cpp — an asynchronous run's set-up, its driver (waiting,
// progress reports, errors) and the write-back of its state. The actors' steps are in
// async_steps.cpp; the contract is in async_runtime.hpp.
#include "runtime/async_run.hpp"
#include "runtime/rank_link.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace coagent::runtime {

AsyncRun::AsyncRun(const AsyncInputs& in, Executor& ex, int shard_size, Placement place,
                   RankLink* link)
    : in_(in), net_(in.net), ex_(ex), L_(net_.num_layers()), E_(in.cfg.envs), place_(place),
      link_(link) {
  const auto shape = net_.shape();
  for (int w : shape) stride_.push_back(padded(w));
  shards_.resize(L_);
  for (int l = 0; l < L_; ++l) {
    const auto [lo, hi] = place_.block(net_.layer(l).params.width);
    if (hi <= lo) continue;  // this rank holds no neuron of the layer
    const int size = shard_size_for(shard_size, hi - lo, net_.layer(l).params.fan_in,
                                    ex.concurrency(), E_);
    for (int b = lo; b < hi; b += size) {
      auto s = std::make_unique<Shard>();
      s->layer = l;
      s->begin = b;
      s->end = std::min(hi, b + size);
      s->prev.assign(E_, nullptr);
      shards_[l].push_back(std::move(s));
    }
  }
  plan_chunks();
  for (int k = 0; k <= L_; ++k)
    pools_.push_back(std::make_unique<FramePool>(k, stride_[k], 4 * E_ + 2));
  for (int k = 0; k <= L_; ++k)
    published_.push_back(std::make_unique<std::atomic<std::int64_t>>(0));
  envs_.resize(E_);
  for (auto& a : envs_) a.action.assign(net_.action_size(), 0.0);
  base_steps_ = in_.run.counters.steps;
  limit_ = in_.until;
  max_claimed_ = base_steps_ - 1;
  // The run's order starts at the frame of step base; environment e takes the global
  // steps n >= base with n mod E = e, as in lockstep (and on any rank that owns it).
  for (int e = 0; e < E_; ++e)
    envs_[e].next_n = base_steps_ + ((e - base_steps_ % E_) % E_ + E_) % E_;
  entry_.layer = -1;
  entry_stage_ = in_.critic != nullptr || net_.obs_norm() == ObsNorm::running;
  for (Shard* s : all_serializers()) {
    s->expect = 2 * base_steps_;
    s->held.assign(E_, nullptr);
  }
  if (place_.rank == 0) recorder_ = shards_[L_ - 1].front().get();
}

std::vector<Shard*> AsyncRun::all_serializers() {
  std::vector<Shard*> out{&entry_};
  for (auto& layer : shards_)
    for (auto& s : layer) out.push_back(s.get());
  return out;
}

// Shard affinity: worker w is the home of the w-th contiguous block of every layer's
// shards, its chunk of the layer. With one environment, a published frame goes to a
// layer as one delivery task per chunk (deliver), and a delivery task takes its
// worker's own chunk when it can; the publisher runs its first one next (scheduler
// bypass) and idle workers steal the others. So each worker keeps sweeping the same
// rows step after step, and a layer costs one task hop per worker, not one per shard.
// Measured on `wide` at 2 threads, 64-neuron shards, with shards posted one by one: a
// shard swept by the other worker (its rows in the other core's cache) took 2.7x as
// long, 2% of them were, and the publisher's 16 posts delayed the layer's start by
// ~4 us. With several environments the publisher posts shard by shard (post_each).
// Only who runs what changes, never a result.
void AsyncRun::plan_chunks() {
  const int T = std::clamp(ex_.concurrency(), 1, 64);  // at most 64 chunks per layer
  chunks_.resize(L_);
  home_chunk_.resize(L_);
  for (int k = 0; k < L_; ++k) {
    const int n = static_cast<int>(shards_[k].size());
    home_chunk_[k].assign(T, -1);
    for (int i = 0; i < n; ++i) {
      const int h = static_cast<int>(static_cast<std::int64_t>(i) * T / n);
      if (home_chunk_[k][h] < 0) {
        home_chunk_[k][h] = static_cast<int>(chunks_[k].size());
        chunks_[k].emplace_back();
      }
      chunks_[k].back().shards.push_back(shards_[k][static_cast<std::size_t>(i)].get());
    }
  }
}

// Seeds every shard's "previous frame" and every environment's pending action from the
// trainer's state, so a run continues exactly where the last one stopped.
void AsyncRun::start_frames() {
  std::vector<Frame*> outputs(E_);
  for (int e = 0; e < E_; ++e) {
    detail::EnvSlot& slot = in_.run.slots[e];
    envs_[e].episode_return = slot.episode_return;
    envs_[e].episode_length = slot.episode_length;
    for (int k = 0; k <= L_; ++k) {
      if (k < L_ && shards_[k].empty()) continue;
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
  for (int e = 0; e < E_; ++e) {
    if (place_.owns_env(e)) spawn([this, e, f = outputs[e]] { on_output(e, f); });
    else envs_[e].last_output = outputs[e];  // held, as the owner's actor would
  }
}

// Alone: waits for every environment, reporting progress. Distributed: this thread is
// the rank's communication thread (the only one that touches the wire).
void AsyncRun::wait_local(const std::function<void()>& report, double seconds) {
  const auto period = std::chrono::duration<double>(seconds);
  if (!link_) {
    std::unique_lock lock(done_mu_);
    // A hard halt may leave frames waiting behind a step that is never taken: then the
    // run ends when the executor is idle (run()'s wait_idle), not when every
    // environment is done.
    auto ended = [&] { return envs_done_ == E_ || halt_.load(std::memory_order_relaxed); };
    while (!done_cv_.wait_for(lock, period, ended)) {
      lock.unlock();
      report();
      lock.lock();
    }
    return;
  }
  auto last = std::chrono::steady_clock::now();
  int idle = 0;
  while (!link_->closed()) {
    idle = link_->poll() ? 0 : idle + 1;
    if (idle > 256) std::this_thread::sleep_for(std::chrono::microseconds(20));
    else if (idle > 16) std::this_thread::yield();
    const auto now = std::chrono::steady_clock::now();
    if (now - last >= period) {
      last = now;
      report();
    }
  }
}

RunStats AsyncRun::run(const ProgressFn& progress, double progress_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  if (link_) link_->attach(*this);
  start_frames();
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
  wait_local(report_or_halt, progress_seconds);
  ex_.wait_idle();
  write_back();
  in_.run.counters.steps += steps_taken();
  if (!error_) report_or_halt();

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

std::int64_t AsyncRun::steps_taken() const {
  if (link_) return link_->steps();
  const std::int64_t budget = in_.until - base_steps_;
  return std::max<std::int64_t>(0, std::min(claimed_.load(), budget));
}

bool AsyncRun::all_envs_done() const {
  std::lock_guard lock(done_mu_);
  return envs_done_ == E_ || halt_.load(std::memory_order_relaxed);
}

std::exception_ptr AsyncRun::error() const {
  std::lock_guard lock(done_mu_);
  return error_;
}

void AsyncRun::env_done() {
  std::lock_guard lock(done_mu_);
  ++envs_done_;
  done_cv_.notify_all();
}

void AsyncRun::fail(std::exception_ptr e, Halt how) {
  std::lock_guard lock(done_mu_);
  if (!error_) error_ = std::move(e);
  (how == Halt::now ? halt_ : soft_halt_).store(true, std::memory_order_relaxed);
  done_cv_.notify_all();
}

void AsyncRun::halt_from_remote(std::exception_ptr error, bool now) {
  std::lock_guard lock(done_mu_);
  if (!error_ && error) error_ = std::move(error);
  (now ? halt_ : soft_halt_).store(true, std::memory_order_relaxed);
  done_cv_.notify_all();
}

void AsyncRun::write_back() {
  // After a hard halt, frames that waited for a step never taken: back to their pools
  // with the frames their layer would have written.
  for (Frame*& f : entry_.held)
    if (f) discard(std::exchange(f, nullptr));
  for (int k = 0; k < L_; ++k) {
    std::vector<Frame*> unwritten;
    for (auto& s : shards_[k])
      for (Frame*& f : s->held) {
        if (!f) continue;
        if (f->next->writers.load() > 0 &&
            std::find(unwritten.begin(), unwritten.end(), f->next) == unwritten.end())
          unwritten.push_back(f->next);
        release(std::exchange(f, nullptr));
      }
    for (Frame* f : unwritten) discard(f);
  }
  // No row update stays pending between runs: each shard applies its own.
  for (int k = 0; k < L_; ++k)
    for (auto& s : shards_[k])
      if (s->kept) {
        neurons_flush(net_.rule(), net_.layer(k), s->begin, s->end, s->kept->data.data());
        release(std::exchange(s->kept, nullptr));
      }
  for (int e = 0; e < E_; ++e) {
    detail::EnvSlot& slot = in_.run.slots[e];
    const int q = 1 - slot.parity;
    for (int k = 0; k <= L_; ++k) {
      float* dst = slot.frames[k].data() + static_cast<std::ptrdiff_t>(q) * stride_[k];
      if (link_) {
        const std::vector<float>& f = link_->latest(k, e);
        std::copy(f.begin(), f.end(), dst);
      } else {
        Frame* f = k < L_ ? shards_[k][0]->prev[e] : envs_[e].last_output;
        if (f) std::copy(f->data.begin(), f->data.end(), dst);
      }
      if (k < L_) {
        for (auto& s : shards_[k])
          if (s->prev[e]) release(std::exchange(s->prev[e], nullptr));
      } else if (envs_[e].last_output) {
        release(std::exchange(envs_[e].last_output, nullptr));
      }
    }
    slot.parity = q;
    slot.episode_return = envs_[e].episode_return;
    slot.episode_length = envs_[e].episode_length;
  }
}

RunStats run_async(const AsyncInputs& in, Executor& executor, int shard_size,
                   const ProgressFn& progress, double progress_seconds) {
  AsyncRun run(in, executor, shard_size);
  RunStats st = run.run(progress, progress_seconds);
  if (auto e = run.error()) std::rethrow_exception(e);
  return st;
}

}  // namespace coagent::runtime
