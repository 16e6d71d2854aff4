// src/local/trainer_state.cpp — writing the state bytes (see trainer_state.hpp),
// the digests built from them, and Trainer::save.
#include "local/trainer_state.hpp"

#include "io/archive.hpp"
#include "io/env_state.hpp"
#include "io/sha256.hpp"

namespace coagent::io {
namespace {

void put_traces(ByteWriter& w, const std::vector<NeuronTrace>& t) {
  w.put<std::uint64_t>(t.size());
  for (const auto& x : t) {
    w.put(x.y);
    w.put(x.sp);
    w.put(x.xi);
    w.put(x.a);
    w.put(x.g);
    w.put(x.explored);
  }
}

}  // namespace

void put_network_state(ByteWriter& w, const Network& net) {
  w.put<std::uint32_t>(static_cast<std::uint32_t>(net.num_layers()));
  for (int l = 0; l < net.num_layers(); ++l) {
    const LayerState& L = net.layer(l);
    const LayerParams& p = L.params;
    w.put<std::int32_t>(p.fan_in);
    w.put<std::int32_t>(p.width);
    auto put_all = [&w](const auto&... v) { (w.put_vec(v), ...); };
    put_all(p.K, p.b, p.cv, p.cc, p.wk, p.wa);
    put_traces(w, L.trace);
    w.put_vec(L.noise);
    w.put_vec(L.elig);
    w.put_vec(L.elig_b);
  }
  if (net.obs_norm() == ObsNorm::running) {  // absent otherwise: older states read as before
    const RunningStats& st = net.obs_stats();
    w.put(st.count);
    w.put_vec(st.mean);
    w.put_vec(st.m2);
  }
}

void put_trainer_state(ByteWriter& w, const Trainer& t, StateBytes which) {
  const detail::RunState& run = detail::TrainerAccess::run(t);
  w.put(run.counters.steps);
  w.put(run.counters.episodes);
  w.put_vec(run.counters.recent);
  put_network_state(w, t.network());
  w.put<std::uint32_t>(static_cast<std::uint32_t>(run.slots.size()));
  for (const detail::EnvSlot& s : run.slots) {
    put_env_state(w, *s.env);
    w.put_vec(s.obs);
    w.put<std::int32_t>(which == StateBytes::checkpoint ? s.parity : 0);
    w.put(s.episode_return);
    w.put(s.episode_length);
    w.put(s.episode_index);
    w.put<std::uint64_t>(s.frames.size());
    for (const auto& f : s.frames) {
      if (which == StateBytes::checkpoint) {
        w.put_vec(f);
      } else {
        const std::size_t half = f.size() / 2;
        w.put_array(f.data() + static_cast<std::size_t>(s.parity) * half, half);
      }
    }
  }
  if (const EnvCritic* c = t.env_critic()) {
    w.put_vec(c->weights());
    w.put_vec(c->traces());
    w.put_vec(c->current_features());
    if (!c->action_weights().empty()) w.put_vec(c->action_weights());
  }
}

}  // namespace coagent::io

namespace coagent {

std::string Trainer::digest() const {
  io::ByteWriter w;
  io::put_trainer_state(w, *this, io::StateBytes::digest);
  return io::sha256_hex(w.bytes().data(), w.bytes().size());
}

void Trainer::save(const std::string& path) const {
  if (wire_ && cfg_.mode == Mode::mpi && wire_->rank() != 0) return;  // rank 0 writes
  io::ByteWriter w;
  w.put_str(config_to_text(cfg_));
  io::put_trainer_state(w, *this, io::StateBytes::checkpoint);
  io::write_archive(path, w.bytes());
}

}  // namespace coagent
