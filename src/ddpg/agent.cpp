// src/ddpg/agent.cpp — DdpgAgent: the public face of DdpgCore<float|double>, action
// scaling, and the agent's byte format (see coagent/ddpg.hpp). The reader checks the
// checksum first and every length against what is left of the input before
// allocating, so bad bytes give a std::runtime_error, never a crash.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

#include "agent_core.hpp"
#include "coagent/ddpg.hpp"
#include "io/byte_writer.hpp"

namespace coagent {

using ddpg::DdpgCore;
using ddpg::Index;

namespace {

void check_bounds(const Box& b) {
  if (b.low.empty() || b.low.size() != b.high.size())
    throw std::invalid_argument(fmt::format(
        "ddpg: action bounds have {} low and {} high values, expected the same positive number",
        b.low.size(), b.high.size()));
  for (std::size_t i = 0; i < b.low.size(); ++i)
    if (!std::isfinite(b.low[i]) || !std::isfinite(b.high[i]) || !(b.low[i] < b.high[i]))
      throw std::invalid_argument(fmt::format(
          "ddpg: action bound {} is [{}, {}], expected finite values with low < high", i,
          b.low[i], b.high[i]));
}

void check_size(std::string_view what, std::size_t got, int expected) {
  if (got != static_cast<std::size_t>(expected))
    throw std::invalid_argument(
        fmt::format("ddpg: {} has {} values, expected {}", what, got, expected));
}

}  // namespace

// --- construction and plain accessors -----------------------------------------------

DdpgAgent::DdpgAgent(const DdpgConfig& cfg, int obs_size, const Box& action_bounds,
                     std::uint64_t seed) {
  check_bounds(action_bounds);
  const int n = static_cast<int>(action_bounds.low.size());
  if (cfg.precision == DdpgPrecision::float64)
    impl_ = std::make_unique<Impl>(Impl{DdpgCore<double>(cfg, obs_size, n, seed), action_bounds});
  else
    impl_ = std::make_unique<Impl>(Impl{DdpgCore<float>(cfg, obs_size, n, seed), action_bounds});
}

DdpgAgent::DdpgAgent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DdpgAgent::DdpgAgent(const DdpgAgent& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
DdpgAgent& DdpgAgent::operator=(const DdpgAgent& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
DdpgAgent::DdpgAgent(DdpgAgent&&) noexcept = default;
DdpgAgent& DdpgAgent::operator=(DdpgAgent&&) noexcept = default;
DdpgAgent::~DdpgAgent() = default;

// Runs `expr` on the core `c`, whichever precision it has.
#define COAGENT_DDPG_VISIT(expr) \
  std::visit([&](auto& c) -> decltype(auto) { return expr; }, impl_->core)

const DdpgConfig& DdpgAgent::config() const noexcept {
  return COAGENT_DDPG_VISIT(static_cast<const DdpgConfig&>(c.cfg));
}
int DdpgAgent::observation_size() const noexcept { return COAGENT_DDPG_VISIT(c.obs_size); }
int DdpgAgent::action_size() const noexcept { return COAGENT_DDPG_VISIT(c.action_size); }
const Box& DdpgAgent::action_bounds() const noexcept { return impl_->bounds; }
std::int64_t DdpgAgent::steps() const noexcept { return COAGENT_DDPG_VISIT(c.steps); }
std::int64_t DdpgAgent::updates() const noexcept { return COAGENT_DDPG_VISIT(c.updates); }
std::int64_t DdpgAgent::episodes() const noexcept { return COAGENT_DDPG_VISIT(c.episodes); }
std::int64_t DdpgAgent::replay_size() const noexcept {
  return COAGENT_DDPG_VISIT(static_cast<std::int64_t>(c.replay.size()));
}

std::vector<double> DdpgAgent::scale_action(std::span<const double> action) const {
  check_size("action", action.size(), action_size());
  const Box& b = impl_->bounds;
  std::vector<double> s(action.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = std::clamp(2.0 * (action[i] - b.low[i]) / (b.high[i] - b.low[i]) - 1.0, -1.0, 1.0);
  return s;
}

std::vector<double> DdpgAgent::unscale_action(std::span<const double> scaled) const {
  check_size("scaled action", scaled.size(), action_size());
  const Box& b = impl_->bounds;
  std::vector<double> a(scaled.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    a[i] = b.low[i] + 0.5 * (scaled[i] + 1.0) * (b.high[i] - b.low[i]);
  return a;
}

// --- acting and learning ------------------------------------------------------------

void DdpgAgent::explore(std::span<const double> obs, std::span<double> action) {
  check_size("observation", obs.size(), observation_size());
  check_size("action", action.size(), action_size());
  std::vector<double> scaled(action.size());
  COAGENT_DDPG_VISIT((c.explore(obs, scaled), 0));
  const std::vector<double> a = unscale_action(scaled);
  std::copy(a.begin(), a.end(), action.begin());
}

void DdpgAgent::greedy_action(std::span<const double> obs, std::span<double> action) const {
  const std::vector<double> a = unscale_action(policy_action(obs));
  check_size("action", action.size(), action_size());
  std::copy(a.begin(), a.end(), action.begin());
}

std::vector<double> DdpgAgent::policy_action(std::span<const double> obs) const {
  check_size("observation", obs.size(), observation_size());
  std::vector<double> scaled(static_cast<std::size_t>(action_size()));
  COAGENT_DDPG_VISIT((c.policy(obs, scaled), 0));
  return scaled;
}

void DdpgAgent::observe(std::span<const double> obs, std::span<const double> action,
                        double reward, std::span<const double> next_obs, bool terminated,
                        bool truncated) {
  check_size("observation", obs.size(), observation_size());
  check_size("next observation", next_obs.size(), observation_size());
  const std::vector<double> scaled = scale_action(action);
  COAGENT_DDPG_VISIT((c.observe(obs, scaled, reward, next_obs, terminated, truncated), 0));
}

void DdpgAgent::train_step() { COAGENT_DDPG_VISIT((c.train_step(), 0)); }

// --- probes -------------------------------------------------------------------------

double DdpgAgent::critic_value(std::span<const double> obs,
                               std::span<const double> scaled_action) const {
  check_size("observation", obs.size(), observation_size());
  check_size("scaled action", scaled_action.size(), action_size());
  return COAGENT_DDPG_VISIT(c.critic_value(obs, scaled_action));
}

std::vector<double> DdpgAgent::critic_action_gradient(
    std::span<const double> obs, std::span<const double> scaled_action) const {
  check_size("observation", obs.size(), observation_size());
  check_size("scaled action", scaled_action.size(), action_size());
  return COAGENT_DDPG_VISIT(c.critic_action_gradient(obs, scaled_action));
}

double DdpgAgent::policy_value(std::span<const double> obs) const {
  const std::vector<double> a = policy_action(obs);
  return critic_value(obs, a);
}

DdpgActorProbe DdpgAgent::actor_probe(std::span<const double> obs) const {
  check_size("observation", obs.size(), observation_size());
  return COAGENT_DDPG_VISIT(c.actor_probe(obs));
}

void DdpgAgent::reset_actor(std::uint64_t seed) { COAGENT_DDPG_VISIT((c.reset_actor(seed), 0)); }

namespace {
template <class V>
std::vector<double> to_doubles(const V& v) {
  std::vector<double> out(static_cast<std::size_t>(v.size()));
  for (Index i = 0; i < v.size(); ++i) out[static_cast<std::size_t>(i)] = static_cast<double>(v(i));
  return out;
}
}  // namespace

std::vector<int> DdpgAgent::actor_widths() const { return COAGENT_DDPG_VISIT(c.actor.widths()); }
std::vector<int> DdpgAgent::critic_widths() const { return COAGENT_DDPG_VISIT(c.critic.widths()); }
std::vector<double> DdpgAgent::actor_parameters() const {
  return COAGENT_DDPG_VISIT(to_doubles(c.actor.parameters()));
}
std::vector<double> DdpgAgent::critic_parameters() const {
  return COAGENT_DDPG_VISIT(to_doubles(c.critic.parameters()));
}
std::vector<double> DdpgAgent::target_actor_parameters() const {
  return COAGENT_DDPG_VISIT(to_doubles(c.actor_target.parameters()));
}
std::vector<double> DdpgAgent::target_critic_parameters() const {
  return COAGENT_DDPG_VISIT(to_doubles(c.critic_target.parameters()));
}

// --- serialisation ------------------------------------------------------------------

namespace {

constexpr char kMagic[8] = {'C', 'G', 'D', 'D', 'P', 'G', '\0', '\0'};
constexpr std::uint32_t kVersion = 1;

std::uint64_t fnv1a(const char* p, std::size_t n) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 0x100000001b3ULL;
  }
  return h;
}

using Writer = io::ByteWriter;

class Reader {
 public:
  explicit Reader(std::span<const char> b) : b_(b) {}
  std::size_t left() const noexcept { return b_.size() - pos_; }
  template <class T>
  T get(std::string_view what) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  // Reads an array whose length must be `expected`, into `out`.
  template <class T>
  void get_array(T* out, std::size_t expected, std::string_view what) {
    const auto n = get<std::uint64_t>(what);
    if (n != expected)
      throw std::runtime_error(
          fmt::format("ddpg agent bytes: {} has {} values, expected {}", what, n, expected));
    need(n * sizeof(T), what);
    if (n) std::memcpy(out, b_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  template <class T>
  std::vector<T> get_vec(std::size_t expected, std::string_view what) {
    // Check before allocating: the values must be in the input.
    if (expected > left() / sizeof(T)) truncated(what);
    std::vector<T> v(expected);
    get_array(v.data(), expected, what);
    return v;
  }
  std::string get_str(std::string_view what) {
    const auto n = get<std::uint64_t>(what);
    need(n, what);
    std::string s(b_.data() + pos_, n);
    pos_ += n;
    return s;
  }
  void need(std::size_t n, std::string_view what) const {
    if (n > left()) truncated(what);
  }
  [[noreturn]] static void truncated(std::string_view what) {
    throw std::runtime_error(fmt::format("ddpg agent bytes: truncated while reading {}", what));
  }

 private:
  std::span<const char> b_;
  std::size_t pos_ = 0;
};

std::string config_text(const DdpgConfig& c) {
  std::string s;
  for (const auto& [k, v] : ddpg_config_entries(c)) s += k + "=" + v + "\n";
  return s;
}

DdpgConfig parse_config(const std::string& text) {
  DdpgConfig c;
  try {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + start, end - start);
      const std::size_t eq = line.find('=');
      if (eq == std::string_view::npos)
        throw std::invalid_argument(fmt::format("settings line '{}' has no '='", line));
      set_ddpg_config_entry(c, line.substr(0, eq), line.substr(eq + 1));
      start = end + 1;
    }
    c.validate();
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("ddpg agent bytes: bad settings: {}", e.what()));
  }
  return c;
}

template <class T>
void put_core(Writer& w, const DdpgCore<T>& c, bool include_replay) {
  w.put<std::int64_t>(c.steps);
  w.put<std::int64_t>(c.updates);
  w.put<std::int64_t>(c.episodes);
  for (const Pcg32* r : {&c.explore_rng, &c.replay_rng}) {
    w.put<std::uint64_t>(r->state());
    w.put<std::uint64_t>(r->increment());
  }
  w.put_vec(c.ou_state);
  w.put<std::int64_t>(c.obs_stats.count);
  w.put_vec(c.obs_stats.mean);
  w.put_vec(c.obs_stats.m2);
  for (const auto* net : {&c.actor, &c.critic, &c.actor_target, &c.critic_target})
    w.put_array(net->parameters().data(), static_cast<std::size_t>(net->num_parameters()));
  for (const auto* opt : {&c.actor_opt, &c.critic_opt}) {
    w.put<std::int64_t>(opt->t);
    w.put_array(opt->m.data(), static_cast<std::size_t>(opt->m.size()));
    w.put_array(opt->v.data(), static_cast<std::size_t>(opt->v.size()));
  }
  w.put<std::uint8_t>(include_replay ? 1 : 0);
  if (include_replay) {
    const auto& r = c.replay;
    const Index n = r.size();
    w.put<std::int64_t>(n);
    w.put<std::int64_t>(r.position());
    // The first n columns of each (column-major) matrix are contiguous.
    w.put_array(r.obs().data(), static_cast<std::size_t>(n * r.obs_size()));
    w.put_array(r.action().data(), static_cast<std::size_t>(n * r.action_size()));
    w.put_array(r.next_obs().data(), static_cast<std::size_t>(n * r.obs_size()));
    w.put_array(r.reward().data(), static_cast<std::size_t>(n));
    w.put_array(r.terminated().data(), static_cast<std::size_t>(n));
  }
}

// Parameters an Mlp with these widths has, or 0 past `limit` (no overflow).
std::uint64_t count_parameters(const std::vector<int>& widths, std::uint64_t limit) {
  std::uint64_t n = 0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    n += static_cast<std::uint64_t>(widths[l + 1]) * (static_cast<std::uint64_t>(widths[l]) + 1);
    if (n > limit) return 0;
  }
  return n;
}

template <class T>
std::unique_ptr<DdpgAgent::Impl> get_core(Reader& r, const DdpgConfig& cfg, int obs_size,
                                          Box bounds) {
  const int act_size = static_cast<int>(bounds.low.size());
  const std::int64_t steps = r.get<std::int64_t>("steps");
  const std::int64_t updates = r.get<std::int64_t>("updates");
  const std::int64_t episodes = r.get<std::int64_t>("episodes");
  if (steps < 0 || updates < 0 || episodes < 0)
    throw std::runtime_error("ddpg agent bytes: negative counters");
  std::uint64_t rng[4];
  for (auto& x : rng) x = r.get<std::uint64_t>("random streams");
  auto ou = r.get_vec<double>(static_cast<std::size_t>(act_size), "noise state");
  const std::int64_t count = r.get<std::int64_t>("observation count");
  if (count < 0) throw std::runtime_error("ddpg agent bytes: negative observation count");
  auto mean = r.get_vec<double>(static_cast<std::size_t>(obs_size), "observation mean");
  auto m2 = r.get_vec<double>(static_cast<std::size_t>(obs_size), "observation variance");

  // Every network value must be in the input before anything is allocated.
  std::vector<int> aw{obs_size}, cw{obs_size + act_size};
  aw.insert(aw.end(), cfg.actor_hidden.begin(), cfg.actor_hidden.end());
  aw.push_back(act_size);
  cw.insert(cw.end(), cfg.critic_hidden.begin(), cfg.critic_hidden.end());
  cw.push_back(1);
  const std::uint64_t limit = r.left() / sizeof(T);
  const std::uint64_t na = count_parameters(aw, limit), nc = count_parameters(cw, limit);
  if (na == 0 || nc == 0 || 4 * (na + nc) > limit)
    throw std::runtime_error("ddpg agent bytes: truncated while reading network parameters");

  auto impl = std::make_unique<DdpgAgent::Impl>(
      DdpgAgent::Impl{DdpgCore<T>(cfg, obs_size, act_size, 0), std::move(bounds)});
  auto& c = std::get<DdpgCore<T>>(impl->core);
  c.steps = steps;
  c.updates = updates;
  c.episodes = episodes;
  c.explore_rng.restore(rng[0], rng[1]);
  c.replay_rng.restore(rng[2], rng[3]);
  c.ou_state = std::move(ou);
  c.obs_stats.count = count;
  c.obs_stats.mean = std::move(mean);
  c.obs_stats.m2 = std::move(m2);
  for (auto* net : {&c.actor, &c.critic, &c.actor_target, &c.critic_target})
    r.get_array(net->parameters().data(), static_cast<std::size_t>(net->num_parameters()),
                "network parameters");
  for (auto* opt : {&c.actor_opt, &c.critic_opt}) {
    opt->t = r.get<std::int64_t>("Adam step");
    if (opt->t < 0) throw std::runtime_error("ddpg agent bytes: negative Adam step");
    r.get_array(opt->m.data(), static_cast<std::size_t>(opt->m.size()), "Adam moments");
    r.get_array(opt->v.data(), static_cast<std::size_t>(opt->v.size()), "Adam moments");
  }
  const auto has_replay = r.get<std::uint8_t>("replay flag");
  if (has_replay > 1) throw std::runtime_error("ddpg agent bytes: bad replay flag");
  if (has_replay) {
    auto& rb = c.replay;
    const std::int64_t n = r.get<std::int64_t>("replay size");
    const std::int64_t pos = r.get<std::int64_t>("replay position");
    const std::int64_t cap = rb.capacity();
    if (n < 0 || n > cap || pos < 0 || pos >= cap || (n < cap && pos != n))
      throw std::runtime_error(fmt::format(
          "ddpg agent bytes: replay size {} and position {} do not fit capacity {}", n, pos, cap));
    const auto per = static_cast<std::uint64_t>(2 * obs_size + act_size + 2);
    if (static_cast<std::uint64_t>(n) > r.left() / sizeof(T) / per)
      Reader::truncated("replay buffer");
    rb.reserve(n);
    r.get_array(rb.obs().data(), static_cast<std::size_t>(n * obs_size), "replay observations");
    r.get_array(rb.action().data(), static_cast<std::size_t>(n * act_size), "replay actions");
    r.get_array(rb.next_obs().data(), static_cast<std::size_t>(n * obs_size),
                "replay next observations");
    r.get_array(rb.reward().data(), static_cast<std::size_t>(n), "replay rewards");
    r.get_array(rb.terminated().data(), static_cast<std::size_t>(n), "replay terminations");
    rb.set_counters(n, pos);
  }
  return impl;
}

}  // namespace

std::vector<char> DdpgAgent::save(bool include_replay) const {
  Writer w;
  for (char ch : kMagic) w.put(ch);
  w.put<std::uint32_t>(kVersion);
  const bool f64 = config().precision == DdpgPrecision::float64;
  w.put<std::uint32_t>(f64 ? 8 : 4);
  w.put_str(config_text(config()));
  w.put<std::int32_t>(observation_size());
  w.put<std::int32_t>(action_size());
  w.put_vec(impl_->bounds.low);
  w.put_vec(impl_->bounds.high);
  COAGENT_DDPG_VISIT((put_core(w, c, include_replay), 0));
  std::vector<char>& b = w.bytes();
  const std::uint64_t h = fnv1a(b.data(), b.size());
  w.put(h);
  return std::move(b);
}

DdpgAgent DdpgAgent::load(std::span<const char> bytes) {
  constexpr std::size_t kMin = sizeof(kMagic) + 4 + 4 + 8;
  if (bytes.size() < kMin || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    throw std::runtime_error("ddpg agent bytes: not a DDPG agent (bad magic or too short)");
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  Reader r(bytes.first(bytes.size() - 8));
  for (std::size_t i = 0; i < sizeof(kMagic); ++i) r.get<char>("magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kVersion)
    throw std::runtime_error(
        fmt::format("ddpg agent bytes: format version {}, expected {}", version, kVersion));
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored)
    throw std::runtime_error("ddpg agent bytes: corrupt (checksum mismatch)");
  const auto scalar = r.get<std::uint32_t>("precision");
  const DdpgConfig cfg = parse_config(r.get_str("settings"));
  if (scalar != (cfg.precision == DdpgPrecision::float64 ? 8u : 4u))
    throw std::runtime_error(fmt::format(
        "ddpg agent bytes: {}-byte values do not match precision {}", scalar,
        to_string(cfg.precision)));
  const auto obs_size = r.get<std::int32_t>("observation size");
  if (obs_size < 1 || obs_size > 65536)
    throw std::runtime_error(
        fmt::format("ddpg agent bytes: observation size {} out of range", obs_size));
  const auto act_size = r.get<std::int32_t>("action size");
  if (act_size < 1 || act_size > 65536)
    throw std::runtime_error(
        fmt::format("ddpg agent bytes: action size {} out of range", act_size));
  Box bounds;
  bounds.low = r.get_vec<double>(static_cast<std::size_t>(act_size), "action bounds");
  bounds.high = r.get_vec<double>(static_cast<std::size_t>(act_size), "action bounds");
  try {
    check_bounds(bounds);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("ddpg agent bytes: {}", e.what()));
  }
  std::unique_ptr<Impl> impl =
      cfg.precision == DdpgPrecision::float64
          ? get_core<double>(r, cfg, obs_size, std::move(bounds))
          : get_core<float>(r, cfg, obs_size, std::move(bounds));
  if (r.left() != 0)
    throw std::runtime_error(
        fmt::format("ddpg agent bytes: {} unexpected bytes at the end", r.left()));
  return DdpgAgent(std::move(impl));
}

#undef COAGENT_DDPG_VISIT

}  // namespace coagent
