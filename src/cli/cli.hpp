// src/cli/cli.hpp — the `coagent` command line; its subcommands: commands.hpp.
#pragma once

namespace coagent::cli {

// Runs the command line; returns the process exit code (0 ok, 2 bad input, 3 a diverged
// run; a run stopped by a signal: 128 + the signal).
int run(int argc, char** argv);

}  // namespace coagent::cli
