// src/cli/inspect.cpp — `coagent eval`, `coagent inspect` and `coagent replay`:
// reading a checkpoint (any algorithm) or stepping an environment by hand.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "cli/commands.hpp"
#include "cli/metrics.hpp"
#include "cli/progress.hpp"
#include "cli/visuals.hpp"
#include "coagent/checkpoint.hpp"
#include "run/inspect.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;

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
  const json j = inspect_learner(*learner, path);
  if (as_json) {
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("checkpoint  {}\nenv         {}\n", path, learner->config().env);
  print_learner(*learner, j);
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
