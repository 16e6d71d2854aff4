// src/cli/visuals_body.cpp — one greedy episode of an environment with a body
// (Env::body_picture: Gymnasium's MuJoCo tasks) as an animated GIF: each frame puts the
// recorded state back with set_state and draws the body's parts, from the side with the
// floor (the view follows the body; the grid stays with the floor) or from above.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "cli/gnuplot.hpp"
#include "cli/visuals.hpp"
#include "cli/visuals_scene.hpp"
#include "coagent/rollout.hpp"

namespace coagent::cli {

namespace {
// Half the width of the view: wide enough for Ant's legs and a walker's stride.
constexpr double kHalfWidth = 2.0;
}  // namespace

bool has_body_picture(const Env& env) { return !env.body_picture().segments.empty(); }

void write_body_gif(const GreedyPolicy& policy, Env& env, const std::string& head,
                    const std::string& path, std::uint64_t seed) {
  const Trajectory ep = rollout_greedy(env, policy, seed);
  const bool top = env.body_picture().top;
  std::string body = fmt::format(
      "unset key\nset size ratio -1\nset grid xtics ytics lc rgb '#dddddd'\nset xtics 0.5\n"
      "set ytics 0.5\nset xlabel 'x (m)'\nset ylabel '{}'\n",
      top ? "y (m)" : "z (m)");
  const std::int64_t last = static_cast<std::int64_t>(ep.states.size()) - 1;
  for (std::size_t i : frame_indices(ep.states.size(), kMaxFrames)) {
    env.set_state(ep.states[i]);
    const BodyPicture pic = env.body_picture();
    double cx = 0.0, cy = 0.0;
    for (const BodySegment& s : pic.segments) cx += 0.5 * (s.x0 + s.x1), cy += 0.5 * (s.y0 + s.y1);
    cx /= static_cast<double>(pic.segments.size());
    cy /= static_cast<double>(pic.segments.size());
    const double ylo = top ? cy - kHalfWidth : -0.3, yhi = top ? cy + kHalfWidth : 2.2;
    const std::string counter = fmt::format(
        "step {}/{}{}, return {:.1f}", i, last,
        static_cast<std::int64_t>(i) == last ? (ep.terminated ? " (fell: done)" : " (time limit)") : "",
        ep.returns[i]);
    body += fmt::format("set title {}\nset xrange [{}:{}]\nset yrange [{}:{}]\n",
                        gp_quote(head + "\n" + counter), gp_num(cx - kHalfWidth),
                        gp_num(cx + kHalfWidth), gp_num(ylo), gp_num(yhi));
    body += top ? std::string("plot ")
                : "plot 0 with filledcurves y1=-0.3 lc rgb '#d9d9d9', ";
    body += "'-' using 1:2:3:4 with vectors nohead lw 6 lc rgb '#2166ac', "
            "'-' using 1:2 with points pt 7 ps 1.2 lc rgb '#b2182b'\n";
    for (const BodySegment& s : pic.segments)
      body += fmt::format("{} {} {} {}\n", gp_num(s.x0), gp_num(s.y0), gp_num(s.x1 - s.x0),
                          gp_num(s.y1 - s.y0));
    body += "e\n";
    for (const BodySegment& s : pic.segments)
      body += fmt::format("{} {}\n{} {}\n", gp_num(s.x0), gp_num(s.y0), gp_num(s.x1), gp_num(s.y1));
    body += "e\n";
  }
  render("set terminal gif animate delay 4 loop 0 size 720,480 noenhanced", body, path);
}

}  // namespace coagent::cli
