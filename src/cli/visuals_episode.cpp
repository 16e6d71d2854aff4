// src/cli/visuals_episode.cpp — one greedy episode as an animated GIF or as text
// frames (`coagent eval --gif/--ascii`, see visuals.hpp), for any agent.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>

#include "cli/gnuplot.hpp"
#include "cli/visuals.hpp"
#include "cli/visuals_scene.hpp"
#include "coagent/rollout.hpp"

namespace coagent::cli {

void write_episode_gif(const GreedyPolicy& policy, const EnvFactory& make_env,
                       const std::string& head, const std::string& path, std::uint64_t seed) {
  check_output_path(path, "--gif");
  auto env = make_checked_env(make_env);
  if (has_body_picture(*env)) return write_body_gif(policy, *env, head, path, seed);
  const Scene scene = scene_of(*env, "--gif");
  const Box states = env->state_bounds();
  const Trajectory ep = rollout_greedy(*env, policy, seed);
  std::string terminal, body;
  switch (scene) {
    case Scene::mountaincar: {
      terminal = "set terminal gif animate delay 5 loop 0 size 720,440 noenhanced";
      const double lo = states.low[0], hi = states.high[0], goal = goal_of(*env, "--gif");
      body = fmt::format(
          "set xrange [{}:{}]\nset yrange [0:1.25]\nunset key\nset xlabel 'car position (m)'\n"
          "set ylabel 'height'\nset grid\n$HILL << EOD\n",
          gp_num(lo), gp_num(hi));
      for (int i = 0; i <= 180; ++i) {
        const double x = lo + (hi - lo) * i / 180;
        body += fmt::format("{} {}\n", gp_num(x), gp_num(hill(x)));
      }
      const double g = hill(goal);
      body += fmt::format(
          "EOD\nset arrow 1 from {0},{1} to {0},{2} nohead lw 2 lc rgb '#333333'\n"
          "set object 1 polygon from {0},{2} to {3},{4} to {0},{5} fc rgb '#d7301f' fs solid "
          "noborder\n",
          goal, gp_num(g), gp_num(g + 0.16), gp_num(goal + 0.07), gp_num(g + 0.135),
          gp_num(g + 0.11));
      break;
    }
    case Scene::pendulum:
      terminal = "set terminal gif animate delay 5 loop 0 size 520,560 noenhanced";
      body =
          "set xrange [-1.4:1.4]\nset yrange [-1.4:1.4]\nset size ratio -1\nunset key\n"
          "set xlabel 'x (m)'\nset ylabel 'y (m)'\n"
          "set object 1 circle at 0,0 size 1 fs empty border lc rgb '#cccccc' dt 2\n"
          "set arrow 1 from 0,0 to 0,1.15 nohead dt 3 lc rgb '#aaaaaa'\n"
          "set label 1 'upright' at 0.05,1.12\nset label 3 'torque (+ = counter-clockwise)' at "
          "-1.35,-1.36\n";
      break;
    case Scene::chain: {
      const int first = static_cast<int>(states.low[0]), last = static_cast<int>(states.high[0]);
      terminal = "set terminal gif animate delay 5 loop 0 size 960,260 noenhanced";
      body = fmt::format(
          "set xrange [{}:{}]\nset yrange [-1:1]\nunset ytics\nunset key\n"
          "set xlabel 'position p (cell)'\nset xtics {},10,{}\n"
          "set label 1 'goal' at {},0.55 center\n$CELLS << EOD\n",
          gp_num(first - 1.5), gp_num(last + 2.5), first, last, gp_num(goal_of(*env, "--gif")));
      for (int p = first; p <= last; ++p) body += fmt::format("{} 0\n", p);
      body += "EOD\n";
      break;
    }
  }
  const std::int64_t last = static_cast<std::int64_t>(ep.states.size()) - 1;
  for (std::size_t i : frame_indices(ep.states.size(), kMaxFrames)) {
    const std::vector<double>& s = ep.states[i];
    const double a = i < ep.actions.size() ? ep.actions[i][0] : ep.actions.back()[0];
    const std::string counter = fmt::format(
        "step {}/{}{}, return {:.2f}", i, last,
        static_cast<std::int64_t>(i) == last ? (ep.terminated ? " (done)" : " (time limit)") : "",
        ep.returns[i]);
    body += fmt::format("set title {}\n", gp_quote(head + "\n" + counter));
    switch (scene) {
      case Scene::mountaincar: {
        const double y = hill(s[0]) + 0.04;
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.94\n"
            "set arrow 2 from {},{} to {},{} lw 3 lc rgb '#e08214'\n"
            "plot $HILL with lines lw 3 lc rgb '#4d4d4d', '-' with points pt 5 ps 3 lc rgb "
            "'#2166ac'\n"
            "{} {}\ne\n",
            gp_quote(fmt::format("velocity {:+.4f}   action {:+.2f}", s[1], a)), gp_num(s[0]),
            gp_num(y + 0.09), gp_num(s[0] + 0.15 * a), gp_num(y + 0.09), gp_num(s[0]), gp_num(y));
        break;
      }
      case Scene::pendulum: {
        // As Gymnasium draws it: theta counter-clockwise from upright.
        const double tx = -std::sin(s[0]), ty = std::cos(s[0]);
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.96\n"
            "set arrow 2 from 0,-1.25 to {},-1.25 lw 3 lc rgb '#e08214'\n"
            "plot '-' with lines lw 6 lc rgb '#2166ac', '-' with points pt 7 ps 3 lc rgb "
            "'#b2182b'\n"
            "0 0\n{} {}\ne\n{} {}\ne\n",
            gp_quote(fmt::format("theta {:+.2f} rad  omega {:+.2f} rad/s  torque {:+.2f}",
                                 wrap_angle(s[0]), s[1], a)),
            gp_num(0.5 * a), gp_num(tx), gp_num(ty), gp_num(tx), gp_num(ty));
        break;
      }
      case Scene::chain:
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.9\n"
            "plot $CELLS with points pt 4 ps 1.2 lc rgb '#999999', '-' with points pt 5 ps 1.6 "
            "lc rgb '#1b7837', '-' with points pt 5 ps 2 lc rgb '#b2182b'\n{} 0\ne\n{} 0\ne\n",
            gp_quote(fmt::format("action {:+.2f} ({})", a, a > 0 ? "right" : "left")),
            gp_num(goal_of(*env, "--gif")), gp_num(s[0]));
        break;
    }
  }
  render(terminal, body, path);
}

void print_episode_ascii(const GreedyPolicy& policy, const EnvFactory& make_env,
                         const std::string& title, std::FILE* out, std::uint64_t seed) {
  auto env = make_checked_env(make_env);
  const Scene scene = scene_of(*env, "--ascii");
  const Box states = env->state_bounds();
  const Trajectory ep = rollout_greedy(*env, policy, seed);
  const bool tty = ::isatty(::fileno(out)) != 0;
  const std::int64_t last = static_cast<std::int64_t>(ep.states.size()) - 1;
  fmt::print(out, "{}\ngreedy episode, reset with seed {}\n", title, seed);
  std::size_t drawn_lines = 0;
  for (std::size_t i : frame_indices(ep.states.size(), kMaxFrames)) {
    const std::vector<double>& s = ep.states[i];
    const double a = i < ep.actions.size() ? ep.actions[i][0] : ep.actions.back()[0];
    std::vector<std::string> lines;
    switch (scene) {
      case Scene::mountaincar: {
        constexpr int kW = 72, kH = 8;
        std::vector<std::string> grid(kH, std::string(kW, ' '));
        const double lo = states.low[0], width = states.high[0] - states.low[0];
        const double goal = goal_of(*env, "--ascii");
        auto col = [&](double x) {
          return std::clamp(static_cast<int>(std::lround((x - lo) / width * (kW - 1))), 0, kW - 1);
        };
        // Heights 0.1..1 on rows kH-1..1; the flag's top is row 0.
        auto row = [](double x) {
          return std::clamp(static_cast<int>(std::lround((1.0 - hill(x)) / 0.9 * (kH - 2))) + 1, 1,
                            kH - 1);
        };
        for (int c = 0; c < kW; ++c) grid[row(lo + width * c / (kW - 1))][c] = '.';
        grid[row(goal) - 1][col(goal)] = 'F';
        grid[row(s[0]) - 1][col(s[0])] = 'C';
        lines = grid;
        lines.push_back(fmt::format(
            "step {:>4}/{}  position {:+.3f}  velocity {:+.4f}  action {:+.2f}  return {:.2f}", i,
            last, s[0], s[1], a, ep.returns[i]));
        break;
      }
      case Scene::pendulum: {
        constexpr int kH = 11, kW = 23, kCy = 5, kCx = 11;
        std::vector<std::string> grid(kH, std::string(kW, ' '));
        const double tx = -std::sin(s[0]), ty = std::cos(s[0]);
        for (int k = 0; k <= 20; ++k) {
          const double t = k / 20.0;
          const int r = kCy - static_cast<int>(std::lround(t * ty * 5));
          const int c = kCx + static_cast<int>(std::lround(t * tx * 10));
          grid[std::clamp(r, 0, kH - 1)][std::clamp(c, 0, kW - 1)] = k == 20 ? '@' : '#';
        }
        grid[kCy][kCx] = 'o';
        lines = grid;
        lines.push_back(fmt::format(
            "step {:>3}/{}  theta {:+.2f} rad  omega {:+.2f} rad/s  torque {:+.2f}  return {:.2f}",
            i, last, wrap_angle(s[0]), s[1], a, ep.returns[i]));
        break;
      }
      case Scene::chain: {
        const double last_cell = states.high[0];
        std::string row(static_cast<std::size_t>(last_cell) + 1, '.');
        row[static_cast<std::size_t>(goal_of(*env, "--ascii"))] = 'G';
        row[static_cast<std::size_t>(std::clamp(s[0], 0.0, last_cell))] = 'A';
        lines.push_back("|" + row + "|");
        lines.push_back(
            fmt::format("step {:>3}/{}  position {:.0f}  action {:+.2f} ({})  return {:.2f}", i,
                        last, s[0], a, a > 0 ? "right" : "left", ep.returns[i]));
        break;
      }
    }
    if (tty && drawn_lines > 0)
      fmt::print(out, "\x1b[{}A", drawn_lines);
    else if (!tty)
      fmt::print(out, "\n");
    for (std::string& l : lines) {
      l.erase(l.find_last_not_of(' ') + 1);
      fmt::print(out, "{}{}\n", l, tty ? "\x1b[K" : "");
    }
    drawn_lines = lines.size();
    if (tty) {
      std::fflush(out);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  }
  fmt::print(out, "{} after {} steps, return {:.2f}\n",
             ep.terminated ? "episode ended" : "episode truncated by the time limit", last,
             ep.returns.back());
  std::fflush(out);
}

}  // namespace coagent::cli
