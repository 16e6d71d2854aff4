// src/cli/cli.hpp — the `coagent` command line (train, eval, inspect, replay).
#pragma once

namespace coagent::cli {

// Runs the command line; returns the process exit code (0 ok, 2 bad input).
int run(int argc, char** argv);

}  // namespace coagent::cli
