// src/ddpg/agent.cpp — DdpgAgent: the public face of DdpgCore<float|double> and
// action scaling (see coagent/ddpg.hpp). The agent's byte format (save/load) is in
// agent_io.cpp.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "agent_core.hpp"
#include "coagent/ddpg.hpp"

namespace coagent {

using ddpg::DdpgCore;
using ddpg::Index;

void ddpg::check_action_bounds(const Box& b) {
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

namespace {

void check_size(std::string_view what, std::size_t got, int expected) {
  if (got != static_cast<std::size_t>(expected))
    throw std::invalid_argument(
        fmt::format("ddpg: {} has {} values, expected {}", what, got, expected));
}

}  // namespace

// --- construction and plain accessors -----------------------------------------------

DdpgAgent::DdpgAgent(const DdpgConfig& cfg, int obs_size, const Box& action_bounds,
                     std::uint64_t seed) {
  ddpg::check_action_bounds(action_bounds);
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

#undef COAGENT_DDPG_VISIT

}  // namespace coagent
