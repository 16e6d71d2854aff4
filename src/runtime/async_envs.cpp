// src/runtime/async_envs.cpp — the asynchronous run's environment side: the environment
// actors, the entry serializer (critic, running observation statistics), the claims of
// global steps in lockstep's turns (and stopping at a clean step), and the episode
// records. The shards are in async_steps.cpp; the contract is in async_runtime.hpp.
#include "runtime/async_run.hpp"
#include "runtime/rank_link.hpp"

#include <algorithm>

namespace coagent::runtime {

// A rank that does not own environment f->env only keeps the output frame, as the
// owner's actor would. The link's thread does that itself: nothing on this rank orders
// one step's output after the previous one's, so two tasks could race on last_output.
void AsyncRun::spawn_output(Frame* f) {
  if (place_.owns_env(f->env)) spawn([this, f] { on_output(f->env, f); });
  else keep_output(envs_[f->env], f);
}

void AsyncRun::keep_output(EnvActor& a, Frame* out) {
  if (a.last_output) release(a.last_output);
  a.last_output = out;
}

// Environment e's observation as a level-0 frame; for a step (kind mid or last) the
// step's broadcast entry is published before the frame. With an entry stage (the
// environment critic, obs-norm running) the frame goes to the entry serializer, which
// encodes, learns and publishes in the run's order (enter). Distributed, the link
// takes it (to rank 0's entry serializer, or to every rank).
void AsyncRun::publish_observation(int e, FrameKind kind, StepEntry entry) {
  EnvActor& a = envs_[e];
  Frame* f = acquire(0);
  f->env = e;
  f->step = a.step;
  f->seq = kind == FrameKind::first ? 2 * a.last_n + 1 : 2 * a.last_n;
  f->kind = kind;
  f->explore_mask = in_.run.slots[e].explore_mask;
  f->clock = detail::noise_clock(in_.run.slots[e].episode_index, a.episode_length);
  f->entry = entry;
  // dfa: the output frame of the step just taken carries its noise after the voltages.
  if (in_.critic && kind != FrameKind::first)
    for (int i = 0; i < net_.action_size() && i < kMaxGradActions; ++i)
      f->noise[i] = a.last_output->data[net_.action_size() + i];
  // obs-norm running encodes in the entry serializer, after its statistics saw the
  // observations before this one (the environment does not move until the frame is
  // through the network, so its observation stays put until then).
  if (net_.obs_norm() != ObsNorm::running) net_.encode(in_.run.slots[e].obs, f->data.data());
  if (link_) {
    link_->observation(f);
    return;
  }
  if (entry_stage_) {
    post(entry_, f);
    return;
  }
  if (kind != FrameKind::first) a.broadcast.publish(entry);
  publish(f);
}

// The entry serializer: one frame at a time in the run's order (lockstep's).
void AsyncRun::enter(Frame* f) {
  const int e = f->env;
  if (net_.obs_norm() == ObsNorm::running) {
    net_.observe(in_.run.slots[e].obs);
    net_.encode(in_.run.slots[e].obs, f->data.data());
  }
  if (EnvCritic* critic = in_.critic) {
    const std::span<const float> v(f->data.data(), f->data.size());
    if (f->kind == FrameKind::first) {
      critic->begin(e, v);
    } else {
      StepEntry& entry = f->entry;
      entry.td = critic->step(e, v, entry.reward, entry.terminated, f->noise.data(),
                              entry.grad.data());
    }
  }
  if (link_) {
    link_->criticised(f);
    return;
  }
  if (f->kind != FrameKind::first) envs_[e].broadcast.publish(f->entry);
  publish(f);
}

// Steps are claimed in lockstep's turns: environment e takes global step next_n (then
// next_n + E, ...) while it is below the limit (the run's `until`). A stop (a request,
// an episode callback's error) must not leave a hole, a step some environment will
// never take with later steps taken (their frames would wait forever): alone, the
// limit drops to one past the last step claimed, and the environments take the steps
// before it; distributed, claims freeze until every rank's last claim is known (the
// link's frontier exchange, freeze / release_limit).
AsyncRun::Claim AsyncRun::claim_step(int e) {
  const std::lock_guard lock(claim_mu_);
  if (halt_.load(std::memory_order_relaxed)) return Claim::done;
  if (!stopping_ && stop_wanted()) begin_stop_locked();
  if (frozen_) {
    parked_.push_back(e);
    return Claim::park;
  }
  EnvActor& a = envs_[e];
  if (a.next_n >= limit_) return Claim::done;
  a.last_n = a.next_n;
  a.next_n += E_;
  max_claimed_ = std::max(max_claimed_, a.last_n);
  claimed_.fetch_add(1, std::memory_order_relaxed);
  return Claim::go;
}

bool AsyncRun::stop_wanted() const noexcept {
  return soft_halt_.load(std::memory_order_relaxed) || in_.stop.load(std::memory_order_relaxed);
}

void AsyncRun::begin_stop_locked() {
  stopping_ = true;
  if (link_) frozen_ = true;
  else limit_ = std::min(limit_, max_claimed_ + 1);
}

std::int64_t AsyncRun::freeze() {
  const std::lock_guard lock(claim_mu_);
  if (!stopping_) begin_stop_locked();
  return max_claimed_;
}

void AsyncRun::release_limit(std::int64_t limit) {
  std::vector<int> parked;
  {
    const std::lock_guard lock(claim_mu_);
    limit_ = std::min(limit_, limit);
    frozen_ = false;
    parked.swap(parked_);
  }
  for (int e : parked) spawn([this, e] { act(e); });
}

// Episodes are recorded by one shard (rank 0's first shard of the last layer) as it
// learns from an episode's final frame: in the run's order, as lockstep records them.
void AsyncRun::record_episode(const StepEntry& entry, int e) {
  try {
    const std::lock_guard lock(episodes_mu_);
    in_.run.counters.record(entry.episode_return, entry.episode_length, e, entry.at_step,
                            in_.on_episode);
  } catch (...) {
    fail(std::current_exception(), Halt::at_step_boundary);  // the episode callback
  }
}

// The environment actor: runs when its output frame is complete (one at a time
// per environment, because it has only one frame in flight). Distributed, only the
// environment's own rank steps it; the others keep the output frame.
void AsyncRun::on_output(int e, Frame* out) {
  keep_output(envs_[e], out);
  act(e);
}

void AsyncRun::act(int e) {
  EnvActor& a = envs_[e];
  detail::EnvSlot& slot = in_.run.slots[e];
  const Frame* out = a.last_output;
  try {
    if (out->kind == FrameKind::last) {
      if (!halt_.load(std::memory_order_relaxed)) {
        slot.env->reset(std::nullopt, slot.obs);
        a.episode_return = 0.0;
        a.episode_length = 0;
        slot.next_episode(in_.cfg, e);
        publish_observation(e, FrameKind::first);
        return;
      }
    } else {
      switch (claim_step(e)) {
        case Claim::park: return;  // release_limit acts again
        case Claim::done: break;
        case Claim::go: {
          net_.decode(out->data.data(), a.action);
          detail::throw_if_action_diverged(a.action, L_, a.last_n);
          const StepResult r = slot.env->step(a.action, slot.obs);
          ++a.step;
          a.episode_return += r.reward;
          ++a.episode_length;
          const bool ends = r.terminated || r.truncated;
          StepEntry entry{a.step, static_cast<float>(r.reward * in_.cfg.reward_scale),
                          r.terminated, r.truncated};
          if (ends) {
            entry.episode_return = a.episode_return;
            entry.episode_length = a.episode_length;
            entry.at_step = a.last_n + 1;
          }
          publish_observation(e, ends ? FrameKind::last : FrameKind::mid, entry);
          return;
        }
      }
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
