// src/io/checkpoint.cpp — the checkpoint container and reader (see
// coagent/checkpoint.hpp; the state bytes are written by io/trainer_state.cpp). The reader checks every length against what is left of the
// payload before allocating, so no file can make it crash or allocate wildly.
#include "coagent/checkpoint.hpp"

#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>

#include "io/archive.hpp"
#include "io/byte_writer.hpp"
#include "io/trainer_state.hpp"

namespace coagent {
namespace {

using Writer = io::ByteWriter;

class Reader {
 public:
  Reader(const char* data, std::size_t size, std::string path)
      : p_(data), end_(data + size), path_(std::move(path)) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> get_vec() {
    const auto n = get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(end_ - p_) / sizeof(T)) fail("a length runs past the end");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), p_, n * sizeof(T));
    p_ += n * sizeof(T);
    return v;
  }
  // A vector whose length must match what the run's configuration built.
  template <class T>
  void get_into(std::vector<T>& dst, const char* what) {
    auto v = get_vec<T>();
    if (v.size() != dst.size())
      throw std::runtime_error(fmt::format(
          "checkpoint '{}': {} has {} values, the network built from its settings has {} "
          "(the file is corrupt or for another network shape)",
          path_, what, v.size(), dst.size()));
    dst = std::move(v);
  }
  std::string get_str() {
    auto v = get_vec<char>();
    return std::string(v.begin(), v.end());
  }
  bool done() const { return p_ == end_; }
  [[noreturn]] void fail(const char* why) const {
    throw std::runtime_error(fmt::format("checkpoint '{}' is corrupt: {}", path_, why));
  }

 private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("the payload ends early");
  }
  const char* p_;
  const char* end_;
  std::string path_;
};

Pcg32 get_pcg(Reader& r) {
  Pcg32 p;
  const auto s = r.get<std::uint64_t>();
  const auto inc = r.get<std::uint64_t>();
  p.restore(s, inc);
  return p;
}

void get_traces(Reader& r, std::vector<NeuronTrace>& t) {
  const auto n = r.get<std::uint64_t>();
  if (n != t.size()) r.fail("trace count does not match the network");
  for (auto& x : t) {
    x.y = r.get<float>();
    x.sp = r.get<float>();
    x.xi = r.get<float>();
    x.a = r.get<float>();
    x.g = r.get<float>();
    x.explored = r.get<std::uint8_t>();
  }
}

std::vector<char> payload_of(const Trainer& t) {
  Writer w;
  w.put_str(config_to_text(t.config()));
  io::put_trainer_state(w, t, io::StateBytes::checkpoint);
  return std::move(w.bytes());
}

// A lower bound on the payload size of a run with these settings: every layer
// stores its weights and critic weights (width x fan_in floats each) and, per
// environment, every neuron's trace and noise state; the observation and the
// action count as one value each. Checked before the Trainer is built, so settings
// that ask for a huge network cannot make the reader allocate for it.
std::uint64_t min_payload_size(const TrainConfig& cfg) {
  constexpr std::uint64_t kTraceBytes = 5 * sizeof(float) + sizeof(std::uint8_t);
  const auto envs = static_cast<std::uint64_t>(cfg.envs);
  const bool perturb = cfg.rule == Rule::perturb;
  // Rule perturb also stores each neuron's eligibility traces and the environment
  // critic (its weights, and per environment a trace and the current features).
  std::uint64_t size =
      perturb ? sizeof(float) * static_cast<std::uint64_t>(cfg.critic_features) * (1 + 2 * envs) : 0;
  std::uint64_t fan_in = 1;
  auto add_layer = [&](std::uint64_t width) {
    size += 2 * sizeof(float) * width * fan_in + envs * width * (kTraceBytes + sizeof(float));
    if (perturb) size += sizeof(float) * envs * width * fan_in;
    fan_in = width;
  };
  for (int w : cfg.hidden) add_layer(static_cast<std::uint64_t>(w));
  add_layer(1);
  return size;
}

}  // namespace

void save_checkpoint(const Trainer& trainer, const std::string& path) {
  io::write_archive(path, payload_of(trainer));
}

void save_ddpg_checkpoint(const TrainConfig& cfg, const DdpgAgent& agent, std::int64_t steps,
                          std::int64_t episodes, const std::string& path) {
  Writer w;
  TrainConfig c = cfg;
  c.algo = Algo::ddpg;
  w.put_str(config_to_text(c));
  w.put(steps);
  w.put(episodes);
  w.put_vec(agent.save(true));
  io::write_archive(path, w.bytes());
}

namespace {

TrainConfig read_settings(Reader& r, const std::string& path) {
  try {
    return parse_config_text(r.get_str());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}' has bad settings: {}", path, e.what()));
  }
}

}  // namespace

std::unique_ptr<Trainer> load_checkpoint(const std::string& path, EnvFactory factory) {
  const std::vector<char> bytes = io::read_archive(path);
  Reader r(bytes.data(), bytes.size(), path);
  TrainConfig cfg = read_settings(r, path);
  if (cfg.algo != Algo::local)
    throw std::runtime_error(fmt::format("checkpoint '{}' holds a {} agent, not a local-rule network",
                                         path, to_string(cfg.algo)));
  // validate() bounds every width and the environment count, so this cannot overflow.
  if (const std::uint64_t need = min_payload_size(cfg); need > bytes.size())
    throw std::runtime_error(fmt::format(
        "checkpoint '{}' is corrupt: its settings describe a network of at least {} bytes, "
        "the payload has {}",
        path, need, bytes.size()));
  std::unique_ptr<Trainer> t;
  try {
    t = std::make_unique<Trainer>(cfg, std::move(factory));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}': {}", path, e.what()));
  }
  const auto steps = r.get<std::int64_t>();
  const auto episodes = r.get<std::int64_t>();
  auto recent = r.get_vec<double>();
  if (steps < 0 || episodes < 0) r.fail("negative counters");
  t->restore_counters(steps, episodes, std::move(recent));
  Network& net = t->network();
  if (r.get<std::uint32_t>() != static_cast<std::uint32_t>(net.num_layers()))
    r.fail("layer count does not match its settings");
  for (int l = 0; l < net.num_layers(); ++l) {
    LayerState& L = net.layer(l);
    LayerParams& p = L.params;
    if (r.get<std::int32_t>() != p.fan_in || r.get<std::int32_t>() != p.width)
      r.fail("layer shape does not match its settings");
    r.get_into(p.K, "weights");
    r.get_into(p.b, "biases");
    r.get_into(p.cv, "critic weights");
    r.get_into(p.cc, "critic biases");
    r.get_into(p.wk, "compatible weights");
    r.get_into(p.wa, "action coefficients");
    if (r.get<std::uint64_t>() != L.rng.size()) r.fail("stream count does not match");
    for (auto& rng : L.rng) rng = get_pcg(r);
    get_traces(r, L.trace);
    L.pending = L.trace;
    r.get_into(L.noise, "noise states");
    r.get_into(L.elig, "eligibility traces");
    r.get_into(L.elig_b, "bias eligibility traces");
  }
  if (r.get<std::uint32_t>() != t->slots().size()) r.fail("environment count does not match");
  for (EnvSlot& s : t->slots()) {
    auto state = r.get_vec<double>();
    const auto elapsed = r.get<std::int64_t>();
    const auto rs0 = r.get<std::uint64_t>();
    const auto rs1 = r.get<std::uint64_t>();
    try {
      s.env->set_state(state);
      s.env->set_elapsed_steps(elapsed);
    } catch (const std::invalid_argument& e) {
      r.fail(e.what());
    }
    s.env->set_rng_state({rs0, rs1});
    r.get_into(s.obs, "observation");
    const auto parity = r.get<std::int32_t>();
    if (parity != 0 && parity != 1) r.fail("bad frame parity");
    s.parity = parity;
    s.episode_return = r.get<double>();
    s.episode_length = r.get<std::int64_t>();
    if (s.episode_length < 0) r.fail("negative episode length");
    s.episode_index = r.get<std::int64_t>();
    if (s.episode_index < 0) r.fail("negative episode index");
    s.explore_mask =
        cfg.explore_mask(static_cast<int>(&s - t->slots().data()), s.episode_index);
    if (r.get<std::uint64_t>() != s.frames.size()) r.fail("frame count does not match");
    for (auto& f : s.frames) r.get_into(f, "frame");
  }
  if (EnvCritic* c = t->env_critic()) {
    r.get_into(c->weights(), "environment critic weights");
    r.get_into(c->traces(), "environment critic traces");
    r.get_into(c->current_features(), "environment critic features");
    for (const auto* v : {&c->weights(), &c->traces(), &c->current_features()})
      for (float x : *v)
        if (!std::isfinite(x)) r.fail("the environment critic has a non-finite value");
  }
  if (!r.done()) r.fail("trailing bytes after the payload");
  // The divergence guard never saves a non-finite state, so one here is damage.
  try {
    t->check_finite();
  } catch (const DivergenceError& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
  }
  return t;
}

AnyCheckpoint load_any_checkpoint(const std::string& path) {
  AnyCheckpoint out;
  {
    const std::vector<char> bytes = io::read_archive(path);
    Reader r(bytes.data(), bytes.size(), path);
    TrainConfig cfg = read_settings(r, path);
    if (cfg.algo == Algo::ddpg) {
      auto d = std::make_unique<DdpgCheckpoint>();
      d->config = cfg;
      d->steps = r.get<std::int64_t>();
      d->episodes = r.get<std::int64_t>();
      if (d->steps < 0 || d->episodes < 0) r.fail("negative counters");
      const std::vector<char> agent = r.get_vec<char>();
      if (!r.done()) r.fail("trailing bytes after the payload");
      try {
        d->agent = std::make_unique<DdpgAgent>(DdpgAgent::load(agent));
      } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
      }
      out.ddpg = std::move(d);
      return out;
    }
  }
  out.local = load_checkpoint(path);
  return out;
}

}  // namespace coagent
