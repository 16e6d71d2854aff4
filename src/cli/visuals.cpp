// src/cli/visuals.cpp — the agent behind a picture (agent_view) and what the scenes of
// the built-in environments share (visuals_scene.hpp). The pictures themselves:
// visuals_curve.cpp, visuals_policy.cpp, visuals_episode.cpp.
#include "cli/visuals.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "cli/gnuplot.hpp"
#include "cli/visuals_scene.hpp"
#include "coagent/config.hpp"
#include "coagent/learner.hpp"

namespace coagent::cli {

AgentView agent_view(const Learner& l) {
  const TrainConfig& c = l.config();
  AgentView v;
  v.policy = l.greedy_policy();
  v.make_env = [&l] { return l.make_environment(); };
  const bool local = c.algo == Algo::local;
  const std::string what = local ? fmt::format("rule {}", to_string(c.rule))
                                 : fmt::format("algo {}", to_string(c.algo));
  v.label = fmt::format("{}, {}, seed {}, {} {}, {} steps trained", c.env, what, c.seed,
                        c.algo == Algo::ddpg ? "actor" : local ? "network" : "policy",
                        joined(l.shape(), "-"),
                        l.steps_done());
  v.brief = fmt::format("{}, {}, seed {}, {} steps trained", c.env, what, c.seed, l.steps_done());
  v.eval_seed = default_eval_seed(c.seed);
  return v;
}

Scene scene_of(const Env& env, std::string_view what) {
  const std::string_view name = env.name();
  const Box bounds = env.state_bounds();
  const bool drawable = !bounds.low.empty() && bounds.low.size() <= 2 &&
                        !env.observation_of_state(bounds.low).empty();
  if (drawable && name == "chain") return Scene::chain;
  if (drawable && name == "mountaincar") return Scene::mountaincar;
  if (drawable && name == "pendulum") return Scene::pendulum;
  throw std::invalid_argument(
      fmt::format("{}: no picture for env '{}' (its state is not 1- or 2-dimensional); chain, "
                  "mountaincar and pendulum have one (and --gif draws the MuJoCo tasks' bodies)",
                  what, name));
}

double goal_of(const Env& env, std::string_view what) {
  const std::optional<double> g = env.goal_position();
  if (!g) throw std::invalid_argument(fmt::format("{}: env '{}' has no goal", what, env.name()));
  return *g;
}

double wrap_angle(double th) { return std::remainder(th, 2 * std::numbers::pi); }

double hill(double x) { return std::sin(3 * x) * 0.45 + 0.55; }

std::vector<std::size_t> frame_indices(std::size_t n, std::size_t max_frames) {
  const std::size_t stride = std::max<std::size_t>(1, (n - 1 + max_frames - 1) / max_frames);
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < n; i += stride) idx.push_back(i);
  if (idx.back() != n - 1) idx.push_back(n - 1);
  return idx;
}

}  // namespace coagent::cli
