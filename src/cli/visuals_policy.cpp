// src/cli/visuals_policy.cpp — `coagent plot-policy`, its flags and its run, and its
// policy map (see visuals.hpp): the greedy action over the state space, with greedy
// episodes on top.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <iterator>
#include <memory>
#include <numbers>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/gnuplot.hpp"
#include "cli/visuals.hpp"
#include "cli/visuals_scene.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/rollout.hpp"

namespace coagent::cli {
namespace {

constexpr int kTrajectories = 4;
const char* const kColours[] = {"#000000", "#1b7837", "#762a83", "#e08214", "#01665e"};

// chain: the greedy action against the position, and the first episode's position
// over time.
std::string chain_picture(Env& env, const std::function<double(std::vector<double>)>& greedy,
                          const std::string& title, const Trajectory& ep) {
  const Box bounds = env.action_bounds(), states = env.state_bounds();
  const int first = static_cast<int>(states.low[0]), last = static_cast<int>(states.high[0]);
  std::string body = "set key below\n";
  body += fmt::format(
      "set title {}\nset xlabel {}\n"
      "set ylabel 'greedy action (> 0 moves right)'\nset y2label 'step of the greedy episode'\n"
      "set xrange [{}:{}]\nset yrange [{}:{}]\nset y2range [0:{}]\nset ytics nomirror\n"
      "set y2tics\nset grid\nset arrow from {},0 to {},0 nohead dt 2 lc rgb '#888888'\n",
      gp_quote(title + "\ngreedy action by position; the greedy episode from the "
                       "evaluation seed (chain is deterministic: every seed walks alike)"),
      gp_quote(fmt::format("position p (cell; start {}, goal {})", first,
                           gp_num(goal_of(env, "plot-policy")))),
      first - 1, last + 1, gp_num(bounds.low[0] * 1.05), gp_num(bounds.high[0] * 1.05),
      gp_num(1.05 * static_cast<double>(ep.steps()) + 1), first - 1, last + 1);
  body += fmt::format(
      "plot '-' using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#b2182b' title 'greedy "
      "action', '-' using 1:2 axes x1y2 with lines lw 2 lc rgb '#2166ac' title {}\n",
      gp_quote(fmt::format("greedy episode: position over time (return {:.1f}, {} steps)",
                           ep.returns.back(), ep.steps())));
  std::string data;
  for (int p = first; p <= last; ++p)
    data += fmt::format("{} {}\n", p, gp_num(greedy({static_cast<double>(p)})));
  data += "e\n";
  for (std::size_t t = 0; t < ep.states.size(); ++t)
    data += fmt::format("{} {}\n", gp_num(ep.states[t][0]), t);
  return body + data + "e\n";
}

int cmd_plot_policy(const std::string& checkpoint, const std::string& out, bool svg) {
  check_output_path(out, "--output");
  const std::unique_ptr<Learner> learner = load_learner(checkpoint);
  const AgentView v = agent_view(*learner);
  draw_policy_map(v.policy, v.make_env, v.label, v.eval_seed, out, svg || ends_with(out, ".svg"));
  return 0;
}

}  // namespace

void draw_policy_map(const GreedyPolicy& policy, const EnvFactory& make_env,
                     const std::string& title, std::uint64_t eval_seed, const std::string& out,
                     bool svg) {
  check_output_path(out, "--output");
  auto env = make_checked_env(make_env);
  const Scene scene = scene_of(*env, "plot-policy");
  const Box bounds = env->action_bounds();
  std::vector<double> action(static_cast<std::size_t>(env->action_size()));
  const std::function<double(std::vector<double>)> greedy = [&](std::vector<double> state) {
    policy(env->observation_of_state(state), action);
    return action[0];
  };

  // The first greedy evaluation episodes: as `coagent eval` runs them.
  std::vector<Trajectory> episodes;
  for (int i = 0; i < kTrajectories; ++i)
    episodes.push_back(rollout_greedy(
        *env, policy, i == 0 ? std::optional<std::uint64_t>(eval_seed) : std::nullopt));

  if (scene == Scene::chain) {
    render(still_terminal(svg, 960, 600), chain_picture(*env, greedy, title, episodes[0]), out);
    return;
  }

  const bool car = scene == Scene::mountaincar;
  const Box states = env->state_bounds();
  const double x0 = states.low[0], x1 = states.high[0];
  const double y0 = states.low[1], y1 = states.high[1];
  constexpr int kNx = 121, kNy = 101;
  std::string body = "set key below\n";
  std::string data;
  body += fmt::format(
      "set title {}\nset xlabel {}\nset ylabel {}\nset cblabel {}\n"
      "set xrange [{}:{}]\nset yrange [{}:{}]\nset cbrange [{}:{}]\n"
      "set palette defined (0 '#2166ac', 1 '#f7f7f7', 2 '#b2182b')\n"
      "set tics out\nset size ratio 0.75\n",
      gp_quote(title + "\ngreedy action over the state space, with the first " +
               std::to_string(kTrajectories) + " greedy evaluation episodes (o start, x end)"),
      gp_quote(car ? "car position (m)" : "angle theta (rad, 0 = upright)"),
      gp_quote(car ? "car velocity (m per step)" : "angular velocity (rad/s)"),
      gp_quote(car ? "greedy action (force)" : "greedy action (torque, N m)"), gp_num(x0),
      gp_num(x1), gp_num(y0), gp_num(y1), gp_num(bounds.low[0]), gp_num(bounds.high[0]));
  if (car)
    body += fmt::format(
        "set arrow from {0},{1} to {0},{2} nohead dt 2 lw 1.5 lc rgb '#333333' front\n"
        "set label 'goal' at {0},{2} offset 0.5,-1 front\n",
        goal_of(*env, "plot-policy"), y0, y1);
  std::string plot = "plot '-' using 1:2:3 with image notitle";
  for (int j = 0; j < kNy; ++j) {
    const double y = y0 + (y1 - y0) * j / (kNy - 1);
    for (int i = 0; i < kNx; ++i) {
      const double x = x0 + (x1 - x0) * i / (kNx - 1);
      data += fmt::format("{} {} {}\n", gp_num(x), gp_num(y), gp_num(greedy({x, y})));
    }
    data += '\n';
  }
  data += "e\n";
  for (std::size_t k = 0; k < episodes.size(); ++k) {
    const Trajectory& ep = episodes[k];
    const char* colour = kColours[k % std::size(kColours)];
    plot += fmt::format(
        ", '-' using 1:2 with lines lw 2 lc rgb '{0}' title {1}, '-' using 1:2 with points pt 6 "
        "ps 1.5 lw 2 lc rgb '{0}' notitle, '-' using 1:2 with points pt 2 ps 1.5 lw 2 lc rgb '{0}' "
        "notitle",
        colour,
        gp_quote(fmt::format("episode {}: return {:.1f}, {} steps{}", k + 1, ep.returns.back(),
                             ep.steps(), car && ep.terminated ? ", reached the goal" : "")));
    auto point = [&](const std::vector<double>& s) {
      return fmt::format("{} {}\n", gp_num(car ? s[0] : wrap_angle(s[0])), gp_num(s[1]));
    };
    double prev = 0.0;
    for (std::size_t t = 0; t < ep.states.size(); ++t) {
      const double x = car ? ep.states[t][0] : wrap_angle(ep.states[t][0]);
      // A pendulum crossing +-pi reappears on the other side: break the line there.
      if (t > 0 && std::abs(x - prev) > std::numbers::pi) data += '\n';
      data += point(ep.states[t]);
      prev = x;
    }
    data += "e\n" + point(ep.states.front()) + "e\n" + point(ep.states.back()) + "e\n";
  }
  render(still_terminal(svg, 960, 760), body + plot + "\n" + data, out);
}

void add_plot_policy(CLI::App& app, Command& chosen) {
  struct Flags {
    std::string checkpoint, out;
    bool svg = false;
  };
  auto f = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("plot-policy", "the greedy action over the state space, with trajectories");
  sub->add_option("checkpoint", f->checkpoint, "checkpoint")->required();
  sub->add_option("-o,--output", f->out, "output image")->required();
  sub->add_flag("--svg", f->svg, "write SVG");
  choose_when_parsed(*sub, chosen, [f] { return cmd_plot_policy(f->checkpoint, f->out, f->svg); });
}

}  // namespace coagent::cli
