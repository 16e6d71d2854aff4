// src/cli/inspect.cpp — `coagent eval`, `coagent inspect` and `coagent replay`:
// reading a checkpoint (any algorithm) or stepping an environment by hand.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "cli/commands.hpp"
#include "cli/metrics.hpp"
#include "cli/progress.hpp"
#include "cli/visuals.hpp"
#include "coagent/ars.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/trainer.hpp"

namespace coagent::cli {
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

json inspect_json(const Trainer& t, const std::string& path) {
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
  return json{{"path", path},
              {"env_critic", critic},
              {"env", t.config().env},
              {"shape", net.shape()},
              {"rule", to_string(t.config().rule)},
              {"steps", t.steps_done()},
              {"episodes", t.episodes_done()},
              {"layers", layers},
              {"digest", t.digest()},
              {"settings", settings_json(config_entries(t.config()))}};
}

void print_local(const Trainer& t, const json& j) {
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

json inspect_json(const DdpgLearner& d, const std::string& path) {
  const DdpgAgent& a = d.agent();
  return json{{"path", path},
              {"env", d.config().env},
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

void print_ddpg(const DdpgLearner& d, const json& j) {
  fmt::print("algo        ddpg (backprop)\n");
  fmt::print("actor       {}  |params| {:.5g}\n", fmt::join(d.agent().actor_widths(), "-"),
             j["actor_norm"].get<double>());
  fmt::print("critic      {}  |params| {:.5g}\n", fmt::join(d.agent().critic_widths(), "-"),
             j["critic_norm"].get<double>());
  fmt::print("trained     {} steps, {} episodes, {} updates\n", d.steps_done(), d.episodes_done(),
             d.agent().updates());
}

json inspect_json(const ArsLearner& a, const std::string& path) {
  return json{{"path", path},
              {"env", a.config().env},
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

void print_ars(const ArsLearner& a, const json& j) {
  fmt::print("algo        ars (augmented random search, no backprop)\n");
  fmt::print("policy      {}  |params| {:.5g}\n", fmt::join(a.shape(), "-"),
             j["parameter_norm"].get<double>());
  fmt::print("obs norm    mean {:.4g}  std {:.4g}\n", fmt::join(a.observation_mean(), ","),
             fmt::join(a.observation_std(), ","));
  fmt::print("trained     {} steps, {} episodes, {} iterations\n", a.steps_done(),
             a.episodes_done(), a.iterations());
}

}  // namespace

int cmd_eval(const std::string& load, const std::string& episodes, const std::string& seed,
             bool as_json, const std::string& gif, bool ascii) {
  const std::unique_ptr<Learner> learner = load_learner(load);
  const TrainConfig& cfg = learner->config();
  int n = cfg.eval_episodes;
  if (!episodes.empty()) {
    const auto v = parse_int(episodes, "--episodes");
    if (v < 1 || v > 1000000)
      throw std::invalid_argument(fmt::format("--episodes: {} is out of range, expected 1..1000000", v));
    n = static_cast<int>(v);
  }
  std::uint64_t s = default_eval_seed(cfg.seed);
  if (!seed.empty()) {
    const auto v = parse_int(seed, "--seed");
    if (v < 0) throw std::invalid_argument(fmt::format("--seed: {} is negative", v));
    s = static_cast<std::uint64_t>(v);
  }
  if (!gif.empty() || ascii) {
    const AgentView view = agent_view(*learner);
    if (!gif.empty()) write_episode_gif(view.policy, view.make_env, view.brief, gif, s);
    if (ascii) print_episode_ascii(view.policy, view.make_env, view.label, stdout, s);
  }
  const EvalResult r = learner->evaluate(n, s);
  if (as_json)
    fmt::print("{}\n", eval_to_json(r).dump());
  else
    print_eval_table(stdout, r);
  return 0;
}

int cmd_inspect(const std::string& path, bool as_json) {
  const std::unique_ptr<Learner> learner = load_learner(path);
  const auto* ddpg = dynamic_cast<const DdpgLearner*>(learner.get());
  const auto* ars = dynamic_cast<const ArsLearner*>(learner.get());
  const auto* local = dynamic_cast<const Trainer*>(learner.get());
  const json j = ddpg ? inspect_json(*ddpg, path)
                 : ars ? inspect_json(*ars, path)
                       : inspect_json(*local, path);
  if (as_json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("checkpoint  {}\nenv         {}\n", path, learner->config().env);
  if (ddpg) print_ddpg(*ddpg, j);
  else if (ars) print_ars(*ars, j);
  else print_local(*local, j);
  fmt::print("digest      {}\n", j["digest"].get<std::string>());
  return 0;
}

int cmd_replay(const std::string& env_name, const std::string& state_text) {
  auto env = make_env(env_name);
  std::vector<double> obs(env->observation_size());
  env->reset(0, obs);
  if (!state_text.empty()) env->set_state(parse_state(state_text, "--state"));
  std::vector<double> action(env->action_size());
  std::string line;
  long line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    const std::vector<double> values = parse_action_line(line, env->action_size(), line_no);
    if (values.empty()) continue;
    action = values;
    const StepResult r = env->step(action, obs);
    std::string out;
    for (double s : env->state()) out += fmt::format("{:.17g} ", s);
    out += fmt::format("{:.17g} {} {}\n", r.reward, r.terminated ? 1 : 0, r.truncated ? 1 : 0);
    std::fputs(out.c_str(), stdout);
    if (r.terminated || r.truncated) break;
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace coagent::cli
