// src/runtime/rank_link.cpp — the messages between ranks and the assembly of frames
// from their slices (the contract is in rank_link.hpp).
#include "runtime/rank_link.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace coagent::runtime {
namespace {

enum class Msg : std::uint8_t { slice, observation, frame0, frontier, env_done, halt, closed };
enum class ErrorKind : std::uint8_t { none, runtime, divergence, bad_input };

// Every message is this header and then its floats (or, for halt, the error's text).
struct Header {
  Msg type = Msg::slice;
  FrameKind kind = FrameKind::mid;
  std::uint8_t now = 0;
  ErrorKind error = ErrorKind::none;
  std::int32_t level = 0, env = 0;
  std::uint32_t explore_mask = 0;
  NoiseClock clock;
  std::int64_t step = 0, seq = 0;
  StepEntry entry;
  std::array<float, kMaxGradActions> noise{};
  std::int64_t at = 0;  // frontier: the last global step the sender claimed
};

Header header_of(Msg type, const Frame& f) {
  Header h;
  h.type = type;
  h.kind = f.kind;
  h.level = f.level;
  h.env = f.env;
  h.explore_mask = f.explore_mask;
  h.clock = f.clock;
  h.step = f.step;
  h.seq = f.seq;
  h.entry = f.entry;
  h.noise = f.noise;
  return h;
}

std::shared_ptr<WireBytes> pack(const Header& h, std::initializer_list<std::span<const float>> parts,
                                const std::string& text = {}) {
  std::size_t n = sizeof(Header) + text.size();
  for (auto p : parts) n += p.size_bytes();
  auto out = std::make_shared<WireBytes>(n);
  std::byte* at = out->data();
  std::memcpy(at, &h, sizeof h);
  at += sizeof h;
  for (auto p : parts) {
    std::memcpy(at, p.data(), p.size_bytes());
    at += p.size_bytes();
  }
  std::memcpy(at, text.data(), text.size());
  return out;
}

Header header_in(const WireBytes& msg) {
  if (msg.size() < sizeof(Header)) throw std::runtime_error("distributed run: a truncated message");
  Header h;
  std::memcpy(&h, msg.data(), sizeof h);
  return h;
}

const float* floats_in(const WireBytes& msg) {
  return reinterpret_cast<const float*>(msg.data() + sizeof(Header));
}

// The first error of a rank as (kind, text), to be rethrown elsewhere as the same type.
std::pair<ErrorKind, std::string> describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const DivergenceError& x) {
    return {ErrorKind::divergence, x.what()};
  } catch (const std::invalid_argument& x) {
    return {ErrorKind::bad_input, x.what()};
  } catch (const std::exception& x) {
    return {ErrorKind::runtime, x.what()};
  } catch (...) {
    return {ErrorKind::runtime, "unknown error"};
  }
}

std::exception_ptr rebuild(ErrorKind kind, const std::string& text) {
  switch (kind) {
    case ErrorKind::divergence: return std::make_exception_ptr(DivergenceError(text));
    case ErrorKind::bad_input: return std::make_exception_ptr(std::invalid_argument(text));
    default: return std::make_exception_ptr(std::runtime_error(text));
  }
}

}  // namespace

void RankLink::attach(AsyncRun& run) {
  run_ = &run;
  const Network& net = run.inputs().net;
  const int L = run.layers();
  expected_.assign(L + 1, 0);
  for (int k = 1; k <= L; ++k)
    for (int q = 0; q < place_.ranks; ++q) {
      const auto [lo, hi] = place_.block(net.layer(k - 1).params.width, q);
      if (q != place_.rank && hi > lo) ++expected_[k];
    }
  noise_pad_ = !net.layer(L - 1).params.fb.empty();
  latest_.assign(L + 1, {});
  for (int k = 0; k <= L; ++k)
    for (int e = 0; e < run.envs(); ++e) {
      const detail::EnvSlot& slot = run.inputs().run.slots[e];
      const float* src = slot.frames[k].data() + static_cast<std::size_t>(slot.parity) * run.stride(k);
      latest_[k].emplace_back(src, src + run.stride(k));
    }
}

void RankLink::send_all(std::shared_ptr<const WireBytes> msg) {
  for (int q = 0; q < place_.ranks; ++q)
    if (q != place_.rank) wire_.send(q, msg);
}

bool RankLink::poll() {
  Item items[64];
  const std::size_t n = outbox_.try_dequeue_bulk(items, 64);
  for (std::size_t i = 0; i < n; ++i) handle(items[i]);
  bool did = n > 0;
  int from = 0;
  WireBytes msg;
  while (wire_.try_receive(from, msg)) {
    receive(from, msg);
    did = true;
  }
  if (!halt_sent_ && (run_->error() || run_->local_stop())) send_halt();
  if (!frontier_sent_ && run_->stop_wanted() && !run_->hard_halt()) send_frontier(false);
  // A hard halt may leave frames waiting for steps never taken (and their slices
  // half-assembled): then the rank closes once none of its tasks is left.
  if (!closing_ && run_->all_envs_done() && (assembly_.empty() || run_->hard_halt()) &&
      run_->quiet() && outbox_.size_approx() == 0) {
    if (!frontier_sent_) send_frontier(true);
    closing_ = true;
    Header h;
    h.type = Msg::closed;
    send_all(pack(h, {}));
  }
  if (closing_ && closed_ranks_ == place_.ranks - 1 && !wire_.sends_pending()) closed_ = true;
  return did;
}

// A stop at a clean step: this rank's environments stop claiming, and every rank
// learns the last step each claimed; with all of them known, every rank lets its
// environments take the steps up to the latest one (AsyncRun::release_limit). A rank
// that ends sends its frontier as it closes (`final`: it does not ask the others to stop).
void RankLink::send_frontier(bool final) {
  frontier_sent_ = true;
  Header h;
  h.type = Msg::frontier;
  h.now = final ? 1 : 0;
  h.at = run_->freeze();
  send_all(pack(h, {}));
  frontier(h.at);
}

void RankLink::frontier(std::int64_t at) {
  max_frontier_ = std::max(max_frontier_, at);
  if (++frontiers_ == place_.ranks) run_->release_limit(max_frontier_ + 1);
}

void RankLink::send_halt() {
  halt_sent_ = true;
  Header h;
  h.type = Msg::halt;
  std::string text;
  if (auto e = run_->error()) {
    auto [kind, what] = describe(e);
    h.error = kind;
    h.now = run_->hard_halt() ? 1 : 0;
    text = what;
  }
  send_all(pack(h, {}, text));
}

void RankLink::handle(const Item& it) {
  Frame* f = it.frame;
  switch (it.what) {
    case Out::slice: {
      const int k = f->level;
      const int width = run_->inputs().net.layer(k - 1).params.width;
      const auto [lo, hi] = place_.block(width);
      if (hi > lo && place_.ranks > 1) {
        const std::span<const float> d(f->data);
        const bool pad = k == run_->layers() && noise_pad_;
        send_all(pack(header_of(Msg::slice, *f),
                      {d.subspan(lo, hi - lo), pad ? d.subspan(width + lo, hi - lo) : d.first(0)}));
      }
      auto node = assembly_.find({k, f->env, f->step});
      if (node == assembly_.end()) node = assembly_.emplace(Key{k, f->env, f->step}, Assembly{}).first;
      Assembly& a = node->second;
      a.frame = f;
      for (auto& [q, m] : a.staged) apply_slice(f, q, m);
      a.arrived += static_cast<int>(a.staged.size());
      a.staged.clear();
      if (a.arrived == expected_[k]) {
        assembly_.erase(node);
        complete(f);
      }
      break;
    }
    case Out::observation:
      if (!run_->inputs().critic) {
        send_all(pack(header_of(Msg::frame0, *f), {std::span<const float>(f->data)}));
        deliver_observation(f);
      } else if (place_.rank == 0) {
        run_->post_critic(f);
      } else {
        wire_.send(0, pack(header_of(Msg::observation, *f), {std::span<const float>(f->data)}));
        run_->discard(f);
      }
      break;
    case Out::criticised:
      send_all(pack(header_of(Msg::frame0, *f), {std::span<const float>(f->data)}));
      deliver_observation(f);
      break;
    case Out::env_done: {
      Header h;
      h.type = Msg::env_done;
      send_all(pack(h, {}));
      break;
    }
  }
}

void RankLink::receive(int from, WireBytes& msg) {
  const Header h = header_in(msg);
  auto frame0 = [&] {
    Frame* f = run_->acquire(0);
    f->env = h.env;
    f->step = h.step;
    f->seq = h.seq;
    f->kind = h.kind;
    f->explore_mask = h.explore_mask;
    f->clock = h.clock;
    f->entry = h.entry;
    f->noise = h.noise;
    std::memcpy(f->data.data(), floats_in(msg), f->data.size() * sizeof(float));
    return f;
  };
  switch (h.type) {
    case Msg::slice: {
      const Key key{h.level, h.env, h.step};
      auto node = assembly_.find(key);
      if (node == assembly_.end() || !node->second.frame) {
        assembly_[key].staged.emplace_back(from, std::move(msg));
        msg = WireBytes();
        return;
      }
      Frame* f = node->second.frame;
      apply_slice(f, from, msg);
      if (++node->second.arrived == expected_[h.level]) {
        assembly_.erase(node);
        complete(f);
      }
      return;
    }
    case Msg::observation: {
      Frame* f = frame0();
      if (run_->hard_halt()) run_->discard(f);
      else run_->post_critic(f);
      return;
    }
    case Msg::frame0: deliver_observation(frame0()); return;
    case Msg::frontier:
      if (h.now == 0 && !run_->stop_wanted()) run_->halt_from_remote(nullptr, false);
      frontier(h.at);
      return;
    case Msg::env_done: run_->env_done(); return;
    case Msg::halt: {
      halt_sent_ = true;  // not echoed
      const std::string text(reinterpret_cast<const char*>(msg.data() + sizeof(Header)),
                             msg.size() - sizeof(Header));
      run_->halt_from_remote(h.error == ErrorKind::none
                                 ? nullptr
                                 : rebuild(h.error, "rank " + std::to_string(from) + ": " + text),
                             h.now != 0);
      return;
    }
    case Msg::closed: ++closed_ranks_; return;
  }
  throw std::runtime_error("distributed run: a message of unknown type from rank " +
                           std::to_string(from));
}

void RankLink::apply_slice(Frame* f, int from, const WireBytes& msg) const {
  const int width = run_->inputs().net.layer(f->level - 1).params.width;
  const auto [lo, hi] = place_.block(width, from);
  const float* src = floats_in(msg);
  std::memcpy(f->data.data() + lo, src, static_cast<std::size_t>(hi - lo) * sizeof(float));
  if (f->level == run_->layers() && noise_pad_)
    std::memcpy(f->data.data() + width + lo, src + (hi - lo),
                static_cast<std::size_t>(hi - lo) * sizeof(float));
}

void RankLink::complete(Frame* f) {
  if (run_->hard_halt()) {  // nothing more runs on this rank
    run_->discard(f);
    return;
  }
  std::copy(f->data.begin(), f->data.end(), latest_[f->level][f->env].begin());
  if (f->level == run_->layers()) run_->spawn_output(f);
  else run_->publish(f);
}

void RankLink::deliver_observation(Frame* f) {
  if (run_->hard_halt()) {
    run_->discard(f);
    return;
  }
  if (f->kind != FrameKind::first) {
    run_->broadcast(f->env).publish(f->entry);
    steps_.fetch_add(1, std::memory_order_relaxed);
  }
  std::copy(f->data.begin(), f->data.end(), latest_[0][f->env].begin());
  run_->publish(f);
}

}  // namespace coagent::runtime
