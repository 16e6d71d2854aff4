// src/run/inspect.cpp — what `coagent inspect` shows of a checkpoint's learner, per
// algorithm (the registry's inspect and print columns, run/algorithms.hpp).
#include "run/inspect.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "run/algorithms.hpp"

namespace coagent {
namespace {

using json = nlohmann::json;

template <class V>
double l2(const V& v) {
  double s = 0.0;
  for (auto x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

json settings_json(const std::vector<std::pair<std::string, std::string>>& entries) {
  json settings = json::object();
  for (const auto& [k, v] : entries) settings[k] = v;
  return settings;
}

}  // namespace

json inspect_json(const Trainer& t) {
  const Network& net = t.network();
  json layers = json::array();
  for (int l = 0; l < net.num_layers(); ++l) {
    const LayerParams& p = net.layer(l).params;
    double coef = 0.0;
    for (float x : p.wa) coef += x;
    layers.push_back({{"layer", l + 1},
                      {"fan_in", p.fan_in},
                      {"width", p.width},
                      {"learns", net.spec(l).learn},
                      {"weight_norm", l2(p.K)},
                      {"bias_norm", l2(p.b)},
                      {"critic_norm", l2(p.cv) + l2(p.cc) + l2(p.wk)},
                      {"mean_action_coefficient", coef / p.width}});
  }
  json critic = nullptr;
  if (const EnvCritic* c = t.env_critic())
    critic = {{"features", c->settings().features}, {"weight_norm", l2(c->weights())}};
  return json{{"env_critic", critic},
              {"env", t.config().env},
              {"shape", net.shape()},
              {"rule", to_string(t.config().rule)},
              {"steps", t.steps_done()},
              {"episodes", t.episodes_done()},
              {"layers", layers},
              {"digest", t.digest()},
              {"settings", settings_json(config_entries(t.config()))}};
}

void print_inspect(const Trainer& t, const json& j) {
  fmt::print("network     {} (rule {})\n", fmt::join(t.network().shape(), "-"),
             to_string(t.config().rule));
  fmt::print("trained     {} steps, {} episodes\n", t.steps_done(), t.episodes_done());
  fmt::print("{:>5} {:>7} {:>6} {:>12} {:>10} {:>12} {:>10}\n", "layer", "fan_in", "width",
             "|K|", "|b|", "|critic|", "mean coef");
  for (const auto& l : j["layers"])
    fmt::print("{:>5} {:>7} {:>6} {:>12.5g} {:>10.5g} {:>12.5g} {:>10.4g}\n",
               l["layer"].get<int>(), l["fan_in"].get<int>(), l["width"].get<int>(),
               l["weight_norm"].get<double>(), l["bias_norm"].get<double>(),
               l["critic_norm"].get<double>(), l["mean_action_coefficient"].get<double>());
  if (!j["env_critic"].is_null())
    fmt::print("env critic  {} random features, |u| {:.5g} (broadcasts the TD error)\n",
               j["env_critic"]["features"].get<int>(), j["env_critic"]["weight_norm"].get<double>());
}

json inspect_json(const DdpgLearner& d) {
  const DdpgAgent& a = d.agent();
  return json{{"env", d.config().env},
              {"algo", "ddpg"},
              {"actor_shape", a.actor_widths()},
              {"critic_shape", a.critic_widths()},
              {"steps", d.steps_done()},
              {"episodes", d.episodes_done()},
              {"updates", a.updates()},
              {"actor_norm", l2(a.actor_parameters())},
              {"critic_norm", l2(a.critic_parameters())},
              {"digest", d.digest()},
              {"settings", settings_json(ddpg_config_entries(a.config()))}};
}

void print_inspect(const DdpgLearner& d, const json& j) {
  fmt::print("algo        ddpg (backprop)\n");
  fmt::print("actor       {}  |params| {:.5g}\n", fmt::join(d.agent().actor_widths(), "-"),
             j["actor_norm"].get<double>());
  fmt::print("critic      {}  |params| {:.5g}\n", fmt::join(d.agent().critic_widths(), "-"),
             j["critic_norm"].get<double>());
  fmt::print("trained     {} steps, {} episodes, {} updates\n", d.steps_done(), d.episodes_done(),
             d.agent().updates());
}

json inspect_json(const ArsLearner& a) {
  return json{{"env", a.config().env},
              {"algo", "ars"},
              {"shape", a.shape()},
              {"steps", a.steps_done()},
              {"episodes", a.episodes_done()},
              {"iterations", a.iterations()},
              {"parameter_norm", l2(a.parameters())},
              {"observation_mean", a.observation_mean()},
              {"observation_std", a.observation_std()},
              {"digest", a.digest()},
              {"settings", settings_json(ars_config_entries(a.ars_config()))}};
}

void print_inspect(const ArsLearner& a, const json& j) {
  fmt::print("algo        ars (augmented random search, no backprop)\n");
  fmt::print("policy      {}  |params| {:.5g}\n", fmt::join(a.shape(), "-"),
             j["parameter_norm"].get<double>());
  fmt::print("obs norm    mean {:.4g}  std {:.4g}\n", fmt::join(a.observation_mean(), ","),
             fmt::join(a.observation_std(), ","));
  fmt::print("trained     {} steps, {} episodes, {} iterations\n", a.steps_done(),
             a.episodes_done(), a.iterations());
}

json inspect_learner(const Learner& l, const std::string& path) {
  json j = detail::algorithm(l.config().algo).inspect(l);
  j["path"] = path;
  return j;
}

void print_learner(const Learner& l, const json& j) { detail::algorithm(l.config().algo).print(l, j); }

}  // namespace coagent
