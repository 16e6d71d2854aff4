// src/cli/visuals.hpp — pictures of what is learning: learning curves from metrics
// files, policy maps and episode animations of any agent (local-rule or DDPG).
//
// Everything is drawn by gnuplot through the library's writer (src/viz/gnuplot.hpp):
// every picture is written to PATH.tmp.<pid> next to PATH and renamed over it only
// when gnuplot succeeded, so a failure never leaves a half-written image. Bad input
// (a missing or unreadable file, a line that is not JSON, a metrics file without a
// "run" line, a missing output directory, an environment without a picture) throws
// std::invalid_argument with a one-line message naming the bad value; gnuplot
// failing or missing throws std::runtime_error with one line.
//
// The drawing functions take a GreedyPolicy, an environment factory and a title,
// never a Trainer: agent_view() builds those from any Learner. What a
// state means (its bounds, the goal, the observation it gives) is asked of the Env
// (Env::state_bounds, goal_position, observation_of_state); the episodes come from
// rollout_greedy (coagent/rollout.hpp).
//
// Files: visuals.cpp (agent_view, scenes), visuals_curve.cpp (`plot`, add_plot in
// commands.hpp), visuals_policy.cpp (`plot-policy`, add_plot_policy),
// visuals_episode.cpp (GIF and text frames), metrics_read.cpp (reading metrics files,
// declared in metrics.hpp).
//
// Threading: none of these functions is thread-safe with respect to the agent they
// read (driver thread only); they share no state with each other.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "coagent/env.hpp"
#include "coagent/trainer.hpp"

namespace coagent {
class Learner;
}

namespace coagent::cli {

// What the pictures need of a loaded agent. The policy and the factory refer to the
// checkpoint they were made from, which must outlive them.
struct AgentView {
  GreedyPolicy policy;
  EnvFactory make_env;
  // "ENV, rule R, seed S, network W, N steps trained" (DDPG: "ENV, algo ddpg, seed S,
  // actor W, N steps trained").
  std::string label;
  // The same without the network: "ENV, rule R, seed S, N steps trained".
  std::string brief;
  std::uint64_t eval_seed = 0;  // Trainer::default_eval_seed(run seed)
};
AgentView agent_view(const Learner& learner);

// The greedy action over the state space (2-dimensional states as a heat map:
// mountaincar position x velocity, pendulum angle x angular velocity; chain: action
// against position), with the first greedy episodes from `eval_seed` drawn on top.
void draw_policy_map(const GreedyPolicy& policy, const EnvFactory& make_env,
                     const std::string& title, std::uint64_t eval_seed, const std::string& out,
                     bool svg);

// `coagent eval --load CKPT --gif OUT`: one greedy episode, reset with `seed`, as
// an animated GIF of at most about 200 frames; `title` heads every frame.
void write_episode_gif(const GreedyPolicy& policy, const EnvFactory& make_env,
                       const std::string& title, const std::string& path, std::uint64_t seed);

// The GIF of an environment with a body (Env::body_picture, Gymnasium's MuJoCo tasks),
// which write_episode_gif draws with this.
bool has_body_picture(const Env& env);
void write_body_gif(const GreedyPolicy& policy, Env& env, const std::string& title,
                    const std::string& path, std::uint64_t seed);

// `coagent eval --load CKPT --ascii`: the same episode as text frames under `title`.
// On a terminal the frames are redrawn in place (an animation); otherwise they are
// printed one after the other, separated by blank lines.
void print_episode_ascii(const GreedyPolicy& policy, const EnvFactory& make_env,
                         const std::string& title, std::FILE* out, std::uint64_t seed);

}  // namespace coagent::cli
