// src/runtime/distributed.cpp — a distributed run (mode mpi, docs/design.md §6.4): this
// rank's asynchronous run over its RankLink, then the state exchange that leaves every
// rank with the whole, identical Trainer state (so digests, evaluation and rank 0's
// checkpoint need nothing distributed, and a run resumes on any number of ranks).
#include "runtime/async_run.hpp"
#include "runtime/distributed.hpp"
#include "runtime/rank_link.hpp"

#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"
#include "io/env_state.hpp"

#include <cstring>

namespace coagent::runtime {
namespace {

// Writes or reads (the same layout) what rank r holds: its block of every layer's
// per-neuron state, its environments' state and, on rank 0, the environment critic
// and the episode counters (the step counter is the same everywhere).
class OwnedState {
 public:
  OwnedState(const AsyncInputs& in, Placement place) : in_(in), place_(place) {}

  WireBytes write(int r) {
    io::ByteWriter w;
    w_ = &w;
    visit(r);
    w_ = nullptr;
    WireBytes out(w.bytes().size());
    std::memcpy(out.data(), w.bytes().data(), out.size());
    return out;
  }

  void read(int r, const WireBytes& bytes) {
    io::ByteReader rd({reinterpret_cast<const char*>(bytes.data()), bytes.size()},
                      "state of rank " + std::to_string(r));
    r_ = &rd;
    visit(r);
    r_ = nullptr;
  }

 private:
  template <class T>
  void span(T* p, std::size_t n) {
    if (w_) w_->put_array(p, n);
    else r_->get_exact(p, n, "a block");
  }
  template <class T>
  void value(T& v) {
    if (w_) w_->put(v);
    else v = r_->template get<T>("a value");
  }

  void visit(int r) {
    Network& net = in_.net;
    const std::size_t E = static_cast<std::size_t>(in_.cfg.envs);
    for (int l = 0; l < net.num_layers(); ++l) {
      LayerState& L = net.layer(l);
      LayerParams& p = L.params;
      const auto [lo_, hi_] = place_.block(p.width, r);
      const std::size_t lo = static_cast<std::size_t>(lo_), n = static_cast<std::size_t>(hi_ - lo_);
      const std::size_t st = static_cast<std::size_t>(p.stride), w = static_cast<std::size_t>(p.width);
      if (n == 0) continue;
      for (AlignedFloats* rows : {&p.K, &p.cv, &p.wk})
        if (!rows->empty()) span(rows->data() + lo * st, n * st);
      for (std::vector<float>* v : {&p.b, &p.cc, &p.wa}) span(v->data() + lo, n);
      for (std::size_t e = 0; e < E; ++e) {
        span(L.trace.data() + e * w + lo, n);
        span(L.pending.data() + e * w + lo, n);
        span(L.noise.data() + e * w + lo, n);
        if (!L.elig.empty()) span(L.elig.data() + (e * w + lo) * st, n * st);
        if (!L.elig_b.empty()) span(L.elig_b.data() + e * w + lo, n);
      }
      if (!L.stat_count.empty()) {
        span(L.stat_td_abs.data() + lo, n);
        span(L.stat_xi_abs.data() + lo, n);
        span(L.stat_count.data() + lo, n);
      }
    }
    for (std::size_t e = 0; e < E; ++e) {
      if (place_.env_owner(static_cast<int>(e)) != r) continue;
      detail::EnvSlot& s = in_.run.slots[e];
      if (w_) io::put_env_state(*w_, *s.env);
      else io::get_env_state(*r_, *s.env);
      span(s.obs.data(), s.obs.size());
      value(s.episode_return);
      value(s.episode_length);
      value(s.episode_index);
      value(s.explore_mask);
    }
    if (r != 0) return;
    if (EnvCritic* c = in_.critic)
      for (std::vector<float>* v : {&c->weights(), &c->traces(), &c->current_features(),
                                    &c->action_weights()})
        span(v->data(), v->size());
    detail::EpisodeCounters& n = in_.run.counters;
    value(n.episodes);
    std::uint64_t recent = n.recent.size();
    value(recent);
    if (r_) {
      if (recent > detail::kRecentEpisodes) r_->fail("too many recent returns");
      n.recent.resize(recent);
    }
    span(n.recent.data(), n.recent.size());
  }

  const AsyncInputs& in_;
  Placement place_;
  io::ByteWriter* w_ = nullptr;
  io::ByteReader* r_ = nullptr;
};

}  // namespace

void exchange_state(const AsyncInputs& in, Wire& wire) {
  const Placement place{wire.rank(), wire.size()};
  OwnedState state(in, place);
  for (int r = 0; r < place.ranks; ++r) {
    WireBytes bytes;
    if (r == place.rank) bytes = state.write(r);
    wire.broadcast(bytes, r);
    if (r != place.rank) state.read(r, bytes);
  }
}

RunStats run_distributed(const AsyncInputs& in, Executor& executor, int shard_size, Wire& wire,
                         const ProgressFn& progress, double progress_seconds) {
  const Placement place{wire.rank(), wire.size()};
  RankLink link(wire, place);
  RunStats st;
  std::exception_ptr error;
  {
    AsyncRun run(in, executor, shard_size, place, &link);
    st = run.run(progress, progress_seconds);
    error = run.error();
  }
  exchange_state(in, wire);  // every rank, error or not: collective
  if (error) std::rethrow_exception(error);
  return st;
}

}  // namespace coagent::runtime
