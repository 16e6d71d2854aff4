// src/cli/commands.hpp — the subcommands of `coagent`, one add_* each. An add_* adds
// its CLI11 subcommand and flags to the app; when the command line names that
// subcommand, parsing leaves in `chosen` the function that runs it with the flags
// given. cli.cpp calls it: errors are exceptions, which cli.cpp turns into one line on
// stderr and exit code 2 (3 for a diverged run).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace coagent::cli {

inline constexpr int kExitBadInput = 2;
inline constexpr int kExitDiverged = 3;

// The subcommand the command line names, bound to its flags; returns the exit code.
using Command = std::function<int()>;

// Makes `run` the chosen command when `sub` is parsed (cli.cpp). `run` owns what the
// flags were read into, so that it outlives the add_* that declared them.
void choose_when_parsed(CLI::App& sub, Command& chosen, Command run);

// `coagent train`: settings (the settings tables' keys as flags), train, evaluate.
void add_train(CLI::App& app, Command& chosen);  // train.cpp
// `coagent eval --load CKPT`: a checkpoint's greedy policy on fresh seeds, optionally
// drawn (--gif, --ascii).
void add_eval(CLI::App& app, Command& chosen);  // inspect.cpp
// `coagent plot FILE.jsonl [FILE2.jsonl ...] -o OUT [--svg] [--window K]`: episode
// return against environment steps, as a moving average over the last K episodes
// (with the raw returns as faint points). Several files (seeds of one setting: the
// same env and rule) give their mean curve and min-max band on a common step grid
// over the steps all runs cover. PNG, or SVG with --svg or an OUT ending in .svg.
void add_plot(CLI::App& app, Command& chosen);  // visuals_curve.cpp
// `coagent plot-policy CKPT -o OUT [--svg]` for either kind of checkpoint
// (load_learner): draw_policy_map of its greedy policy.
void add_plot_policy(CLI::App& app, Command& chosen);  // visuals_policy.cpp
// `coagent inspect CKPT`: a checkpoint's network, norms and digest.
void add_inspect(CLI::App& app, Command& chosen);  // inspect.cpp
// `coagent replay --env ENV [--state S]`: step an environment with actions from stdin.
void add_replay(CLI::App& app, Command& chosen);  // inspect.cpp
// `coagent exp1`: Experiment 1, or the gradient-alignment probe (exp1.hpp).
void add_exp1(CLI::App& app, Command& chosen);  // exp1.cpp
// `coagent exp2`: Experiment 2's grid for one preset over seeds (exp2.hpp).
void add_exp2(CLI::App& app, Command& chosen);  // exp2.cpp
// `coagent envs [--json]`: the built-in environments (the registry's table).
void add_envs(CLI::App& app, Command& chosen);  // envs.cpp
// `coagent bench`: training throughput over modes, threads and shard sizes (bench.hpp).
void add_bench(CLI::App& app, Command& chosen);  // bench.cpp

}  // namespace coagent::cli
