// src/cli/visuals.hpp — pictures of what is learning: learning curves from metrics
// files, policy maps and episode animations from checkpoints.
//
// Everything is drawn by gnuplot (run through popen, data inline). Every picture
// is written to PATH.tmp.<pid> next to PATH and renamed over it only when gnuplot
// succeeded, so a failure never leaves a half-written image. Bad input (a missing
// or unreadable file, a line that is not JSON, a metrics file without a "run"
// line, a missing output directory, an environment without a picture) throws
// std::invalid_argument with a one-line message naming the bad value; gnuplot
// failing throws std::runtime_error with its first error line. gnuplot's own
// stderr is captured, never shown.
//
// Threading: none of these functions is thread-safe with respect to the Trainer
// they read (driver thread only); they share no state with each other.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "coagent/trainer.hpp"

namespace coagent::cli {

// `coagent plot FILE.jsonl [FILE2.jsonl ...] -o OUT [--svg] [--window K]`: episode
// return against environment steps, as a moving average over the last K episodes
// (with the raw returns as faint points). Several files (seeds of one setting: the
// same env and rule) give their mean curve and min-max band on a common step grid
// over the steps all runs cover. PNG, or SVG with `svg` or an OUT ending in .svg.
// Returns 0.
int cmd_plot(const std::vector<std::string>& files, const std::string& out, bool svg, int window);

// `coagent plot-policy CKPT -o OUT [--svg]`: the greedy action over the state space
// (mountaincar: position x velocity, pendulum: angle x angular velocity, as heat
// maps; chain: action against position), with the first greedy evaluation
// episodes (the run's default evaluation seed) drawn on top. Returns 0.
int cmd_plot_policy(const std::string& checkpoint, const std::string& out, bool svg);

// `coagent eval --load CKPT --gif OUT`: one greedy episode, reset with `seed`, as
// an animated GIF of at most about 200 frames.
void write_episode_gif(const Trainer& trainer, const std::string& path, std::uint64_t seed);

// `coagent eval --load CKPT --ascii`: the same episode as text frames. On a
// terminal the frames are redrawn in place (an animation); otherwise they are
// printed one after the other, separated by blank lines.
void print_episode_ascii(const Trainer& trainer, std::FILE* out, std::uint64_t seed);

}  // namespace coagent::cli
