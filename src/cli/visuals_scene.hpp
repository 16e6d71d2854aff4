// src/cli/visuals_scene.hpp — what the pictures of the built-in environments share
// (internal to visuals*.cpp): which scene an environment is drawn as, angle wrapping,
// the mountain's height, and the frames of an episode to draw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "coagent/env.hpp"

namespace coagent::cli {

enum class Scene { chain, mountaincar, pendulum };

// The scene `env` is drawn as; throws std::invalid_argument (prefixed `what`) for an
// environment without a picture or one that cannot say its state bounds or the
// observation of a state.
Scene scene_of(const Env& env, std::string_view what);

// The environment's goal position (Env::goal_position); throws std::invalid_argument
// (prefixed `what`) if it has none.
double goal_of(const Env& env, std::string_view what);

// Angles shown in [-pi, pi] (the pendulum's state is not wrapped).
double wrap_angle(double th);

// The mountain's height at position x, as Gymnasium renders it.
double hill(double x);

// Frames to draw of an episode with `n` states: every k-th so that there are at
// most about `max_frames`, always the first and the last.
std::vector<std::size_t> frame_indices(std::size_t n, std::size_t max_frames);
inline constexpr std::size_t kMaxFrames = 200;

// (Not fmt::join: GCC 12 warns inside fmt 9's join formatter, -Wstringop-overflow.)
template <typename T>
std::string joined(const std::vector<T>& v, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i)
    s += (i > 0 ? std::string(sep) : "") + std::to_string(v[i]);
  return s;
}

}  // namespace coagent::cli
