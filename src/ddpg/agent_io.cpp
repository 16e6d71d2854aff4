// src/ddpg/agent_io.cpp — DdpgAgent's byte format (save/load; see coagent/ddpg.hpp):
// magic, version, value size, settings text, sizes, bounds, the core's state, and an
// FNV-1a checksum. load() checks the checksum first and reads through io::ByteReader,
// which checks every length against what is left of the input before allocating, so
// bad bytes give a std::runtime_error "ddpg agent bytes: ...", never a crash.
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "agent_core.hpp"
#include "coagent/ddpg.hpp"
#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"

namespace coagent {

using ddpg::DdpgCore;
using ddpg::Index;

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
using Reader = io::ByteReader;

constexpr const char* kContext = "ddpg agent bytes";

// A count-prefixed array that must hold `expected` values; ByteReader checks the
// count against what is left of the input before allocating.
template <class T>
std::vector<T> get_sized(Reader& r, std::size_t expected, std::string_view what) {
  std::vector<T> v = r.get_vec<T>(what);
  if (v.size() != expected)
    r.fail(fmt::format("{} has {} values, expected {}", what, v.size(), expected));
  return v;
}

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
    throw std::runtime_error(fmt::format("{}: bad settings: {}", kContext, e.what()));
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
    r.fail("negative counters");
  std::uint64_t rng[4];
  for (auto& x : rng) x = r.get<std::uint64_t>("random streams");
  auto ou = get_sized<double>(r, static_cast<std::size_t>(act_size), "noise state");
  const std::int64_t count = r.get<std::int64_t>("observation count");
  if (count < 0) r.fail("negative observation count");
  auto mean = get_sized<double>(r, static_cast<std::size_t>(obs_size), "observation mean");
  auto m2 = get_sized<double>(r, static_cast<std::size_t>(obs_size), "observation variance");

  // Every network value must be in the input before anything is allocated.
  std::vector<int> aw{obs_size}, cw{obs_size + act_size};
  aw.insert(aw.end(), cfg.actor_hidden.begin(), cfg.actor_hidden.end());
  aw.push_back(act_size);
  cw.insert(cw.end(), cfg.critic_hidden.begin(), cfg.critic_hidden.end());
  cw.push_back(1);
  const std::uint64_t limit = r.left() / sizeof(T);
  const std::uint64_t na = count_parameters(aw, limit), nc = count_parameters(cw, limit);
  if (na == 0 || nc == 0 || 4 * (na + nc) > limit)
    r.fail("the data ends early, while reading network parameters");

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
    r.get_exact(net->parameters().data(), static_cast<std::size_t>(net->num_parameters()),
                "network parameters");
  for (auto* opt : {&c.actor_opt, &c.critic_opt}) {
    opt->t = r.get<std::int64_t>("Adam step");
    if (opt->t < 0) r.fail("negative Adam step");
    r.get_exact(opt->m.data(), static_cast<std::size_t>(opt->m.size()), "Adam moments");
    r.get_exact(opt->v.data(), static_cast<std::size_t>(opt->v.size()), "Adam moments");
  }
  const auto has_replay = r.get<std::uint8_t>("replay flag");
  if (has_replay > 1) r.fail("bad replay flag");
  if (has_replay) {
    auto& rb = c.replay;
    const std::int64_t n = r.get<std::int64_t>("replay size");
    const std::int64_t pos = r.get<std::int64_t>("replay position");
    const std::int64_t cap = rb.capacity();
    if (n < 0 || n > cap || pos < 0 || pos >= cap || (n < cap && pos != n))
      r.fail(fmt::format("replay size {} and position {} do not fit capacity {}", n, pos, cap));
    const auto per = static_cast<std::uint64_t>(2 * obs_size + act_size + 2);
    if (static_cast<std::uint64_t>(n) > r.left() / sizeof(T) / per)
      r.fail("the data ends early, while reading the replay buffer");
    rb.reserve(n);
    r.get_exact(rb.obs().data(), static_cast<std::size_t>(n * obs_size), "replay observations");
    r.get_exact(rb.action().data(), static_cast<std::size_t>(n * act_size), "replay actions");
    r.get_exact(rb.next_obs().data(), static_cast<std::size_t>(n * obs_size),
                "replay next observations");
    r.get_exact(rb.reward().data(), static_cast<std::size_t>(n), "replay rewards");
    r.get_exact(rb.terminated().data(), static_cast<std::size_t>(n), "replay terminations");
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
  std::visit([&](const auto& c) { put_core(w, c, include_replay); }, impl_->core);
  std::vector<char>& b = w.bytes();
  const std::uint64_t h = fnv1a(b.data(), b.size());
  w.put(h);
  return std::move(b);
}

DdpgAgent DdpgAgent::load(std::span<const char> bytes) {
  constexpr std::size_t kMin = sizeof(kMagic) + 4 + 4 + 8;
  if (bytes.size() < kMin || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    throw std::runtime_error(
        fmt::format("{}: not a DDPG agent (bad magic or too short)", kContext));
  std::uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  Reader r(bytes.first(bytes.size() - 8), kContext);
  for (std::size_t i = 0; i < sizeof(kMagic); ++i) r.get<char>("magic");
  const auto version = r.get<std::uint32_t>("version");
  if (version != kVersion)
    r.fail(fmt::format("format version {}, expected {}", version, kVersion));
  if (fnv1a(bytes.data(), bytes.size() - 8) != stored)
    r.fail("corrupt (checksum mismatch)");
  const auto scalar = r.get<std::uint32_t>("precision");
  const DdpgConfig cfg = parse_config(r.get_str("settings"));
  if (scalar != (cfg.precision == DdpgPrecision::float64 ? 8u : 4u))
    r.fail(fmt::format("{}-byte values do not match precision {}", scalar,
                       to_string(cfg.precision)));
  const auto obs_size = r.get<std::int32_t>("observation size");
  if (obs_size < 1 || obs_size > 65536)
    r.fail(fmt::format("observation size {} out of range", obs_size));
  const auto act_size = r.get<std::int32_t>("action size");
  if (act_size < 1 || act_size > 65536)
    r.fail(fmt::format("action size {} out of range", act_size));
  Box bounds;
  bounds.low = get_sized<double>(r, static_cast<std::size_t>(act_size), "action bounds");
  bounds.high = get_sized<double>(r, static_cast<std::size_t>(act_size), "action bounds");
  try {
    ddpg::check_action_bounds(bounds);
  } catch (const std::invalid_argument& e) {
    r.fail(e.what());
  }
  std::unique_ptr<Impl> impl =
      cfg.precision == DdpgPrecision::float64
          ? get_core<double>(r, cfg, obs_size, std::move(bounds))
          : get_core<float>(r, cfg, obs_size, std::move(bounds));
  if (r.left() != 0)
    r.fail(fmt::format("{} unexpected bytes at the end", r.left()));
  return DdpgAgent(std::move(impl));
}

}  // namespace coagent
