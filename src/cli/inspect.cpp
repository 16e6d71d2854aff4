// src/cli/inspect.cpp — `coagent eval`, `coagent inspect` and `coagent replay`, their
// flags and their runs: reading a checkpoint (any algorithm) or stepping an environment
// by hand.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
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

}  // namespace

void add_eval(CLI::App& app, Command& chosen) {
  struct Flags {
    std::string load, episodes, seed, gif;
    bool json = false, ascii = false;
  };
  auto f = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("eval", "evaluate a checkpoint's greedy policy on fresh seeds");
  sub->add_option("--load", f->load, "checkpoint to evaluate")->required();
  sub->add_option("--episodes", f->episodes, "episodes (default: the run's eval-episodes)");
  sub->add_option("--seed", f->seed, "first episode's seed (default: run seed + 1000000)");
  sub->add_flag("--json", f->json, "print one JSON object");
  sub->add_option("--gif", f->gif, "draw the first greedy episode as an animated GIF");
  sub->add_flag("--ascii", f->ascii, "draw the first greedy episode as text frames");
  choose_when_parsed(*sub, chosen, [f] {
    return cmd_eval(f->load, f->episodes, f->seed, f->json, f->gif, f->ascii);
  });
}

void add_inspect(CLI::App& app, Command& chosen) {
  struct Flags {
    std::string path;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("inspect", "show a checkpoint's network, norms and digest");
  sub->add_option("path", f->path, "checkpoint")->required();
  sub->add_flag("--json", f->json, "print one JSON object");
  choose_when_parsed(*sub, chosen, [f] { return cmd_inspect(f->path, f->json); });
}

void add_replay(CLI::App& app, Command& chosen) {
  struct Flags {
    std::string env, state;
  };
  auto f = std::make_shared<Flags>();
  auto* sub = app.add_subcommand(
      "replay", "step an environment from a given state with actions read from stdin");
  sub->add_option("--env", f->env, "environment")->required();
  sub->add_option("--state", f->state,
                  "internal state (mountaincar: position,velocity; pendulum: "
                  "theta,thetadot; chain: p; MuJoCo's tasks: qpos then qvel, as "
                  "Gymnasium's set_state)");
  choose_when_parsed(*sub, chosen, [f] { return cmd_replay(f->env, f->state); });
}

}  // namespace coagent::cli
