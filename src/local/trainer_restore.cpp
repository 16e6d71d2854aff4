// src/local/trainer_restore.cpp — building a Trainer's parts from checkpoint bytes
// (the layout trainer_state.cpp writes). Every length is checked against what is
// left of the input before anything is allocated for it, so no file can make the
// reader crash or allocate wildly.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "io/env_state.hpp"
#include "local/trainer_state.hpp"

namespace coagent::io {
namespace {

// A lower bound on the payload size of a run with these settings: every layer
// stores its weights and critic weights (width x fan_in floats each) and, per
// environment, every neuron's trace and noise state. Checked before the network is
// built, so settings that ask for a huge network cannot make the reader allocate.
std::uint64_t min_payload_size(const TrainConfig& cfg) {
  constexpr std::uint64_t kTraceBytes = 5 * sizeof(float) + sizeof(std::uint8_t);
  const auto envs = static_cast<std::uint64_t>(cfg.envs);
  const bool traced = rule_info(cfg.rule).eligibility;
  // A rule with eligibility traces (perturb) also stores each neuron's traces, and a rule
  // of the environment critic (perturb, dfa) the critic (its weights, and per environment
  // a trace and the current features).
  std::uint64_t size =
      uses_env_critic(cfg.rule) ? sizeof(float) * static_cast<std::uint64_t>(cfg.critic_features) * (1 + 2 * envs) : 0;
  std::uint64_t fan_in = 1;
  auto add_layer = [&](std::uint64_t width) {
    size += 2 * sizeof(float) * width * fan_in + envs * width * (kTraceBytes + sizeof(float));
    if (traced) size += sizeof(float) * envs * width * fan_in;
    fan_in = width;
  };
  for (int w : cfg.hidden) add_layer(static_cast<std::uint64_t>(w));
  add_layer(1);
  return size;
}

void get_traces(ByteReader& r, std::vector<NeuronTrace>& t) {
  if (r.get<std::uint64_t>("traces") != t.size()) r.fail("trace count does not match the network");
  for (auto& x : t) {
    x.y = r.get<float>("traces");
    x.sp = r.get<float>("traces");
    x.xi = r.get<float>("traces");
    x.a = r.get<float>("traces");
    x.g = r.get<float>("traces");
    x.explored = r.get<std::uint8_t>("traces");
  }
}

void get_layers(ByteReader& r, Network& net) {
  if (r.get<std::uint32_t>("layer count") != static_cast<std::uint32_t>(net.num_layers()))
    r.fail("layer count does not match its settings");
  for (int l = 0; l < net.num_layers(); ++l) {
    LayerState& L = net.layer(l);
    LayerParams& p = L.params;
    if (r.get<std::int32_t>("layer shape") != p.fan_in || r.get<std::int32_t>("layer shape") != p.width)
      r.fail("layer shape does not match its settings");
    r.get_into(p.K, "weights");
    r.get_into(p.b, "biases");
    r.get_into(p.cv, "critic weights");
    r.get_into(p.cc, "critic biases");
    r.get_into(p.wk, "compatible weights");
    r.get_into(p.wa, "action coefficients");
    get_traces(r, L.trace);
    L.pending = L.trace;
    r.get_into(L.noise, "noise states");
    r.get_into(L.elig, "eligibility traces");
    r.get_into(L.elig_b, "bias eligibility traces");
  }
  if (net.obs_norm() == ObsNorm::running) {
    RunningStats& st = net.obs_stats();
    st.count = r.get<std::int64_t>("observation statistics");
    r.get_into(st.mean, "observation means");
    r.get_into(st.m2, "observation variances");
    if (st.count < 0) r.fail("negative observation count");
    for (std::size_t i = 0; i < st.mean.size(); ++i)
      if (!std::isfinite(st.mean[i]) || !std::isfinite(st.m2[i]) || st.m2[i] < 0.0)
        r.fail("the observation statistics hold a non-finite or negative value");
  }
}

detail::EnvSlot get_slot(ByteReader& r, const TrainConfig& cfg, int e, const Network& net,
                         const EnvFactory& factory) {
  detail::EnvSlot s;
  s.env = make_checked_env(factory);
  get_env_state(r, *s.env);
  s.obs.assign(net.obs_size(), 0.0);
  r.get_into(s.obs, "observation");
  const auto parity = r.get<std::int32_t>("frame parity");
  if (parity != 0 && parity != 1) r.fail("bad frame parity");
  s.parity = parity;
  s.episode_return = r.get<double>("episode return");
  s.episode_length = r.get<std::int64_t>("episode length");
  if (s.episode_length < 0) r.fail("negative episode length");
  s.episode_index = r.get<std::int64_t>("episode index");
  if (s.episode_index < 0) r.fail("negative episode index");
  s.explore_mask = cfg.explore_mask(e, s.episode_index);
  const std::vector<int> shape = net.shape();
  if (r.get<std::uint64_t>("frame count") != shape.size()) r.fail("frame count does not match");
  for (int w : shape) {
    s.frames.emplace_back(2 * static_cast<std::size_t>(padded(w)), 0.0f);
    r.get_into(s.frames.back(), "frame");
  }
  return s;
}

}  // namespace

detail::TrainerParts read_trainer_parts(const TrainConfig& cfg, ByteReader& r,
                                        const EnvFactory& factory) {
  // validate() bounds every width and the environment count, so this cannot overflow.
  if (const std::uint64_t need = min_payload_size(cfg); need > r.left())
    r.fail("its settings describe a network of at least " + std::to_string(need) +
           " bytes, the payload has " + std::to_string(r.left()));
  detail::TrainerParts parts;
  detail::EpisodeCounters& n = parts.run.counters;
  n.steps = r.get<std::int64_t>("step counter");
  n.episodes = r.get<std::int64_t>("episode counter");
  n.recent = r.get_vec<double>("recent returns");
  if (n.steps < 0 || n.episodes < 0) r.fail("negative counters");
  std::unique_ptr<Env> probe;
  try {
    probe = make_checked_env(factory);
  } catch (const std::invalid_argument& e) {
    r.fail(e.what());
  }
  parts.net = Network(cfg, probe->observation_size(), probe->observation_bounds(),
                      probe->action_bounds(), Network::Init::unset);
  get_layers(r, parts.net);
  if (r.get<std::uint32_t>("environment count") != static_cast<std::uint32_t>(cfg.envs))
    r.fail("environment count does not match");
  for (int e = 0; e < cfg.envs; ++e) parts.run.slots.push_back(get_slot(r, cfg, e, parts.net, factory));
  if (uses_env_critic(cfg.rule)) {
    parts.critic = std::make_unique<EnvCritic>(env_critic_settings(cfg, parts.net.action_size()),
                                               parts.net.obs_size(), cfg.envs, cfg.seed);
    EnvCritic& c = *parts.critic;
    r.get_into(c.weights(), "environment critic weights");
    r.get_into(c.traces(), "environment critic traces");
    r.get_into(c.current_features(), "environment critic features");
    if (rule_info(cfg.rule).action_gradient)
      r.get_into(c.action_weights(), "environment critic action head");
    for (const auto* v : {&c.weights(), &c.traces(), &c.current_features(), &c.action_weights()})
      for (float x : *v)
        if (!std::isfinite(x)) r.fail("the environment critic has a non-finite value");
  }
  if (!r.done()) r.fail("trailing bytes after the payload");
  return parts;
}

}  // namespace coagent::io
