// src/cli/cli.cpp — the `coagent` binary's command line: the list of subcommands (each
// declares its own flags and runs itself, commands.hpp) and the one error handling they
// share. Every setting of a run is a `--key value` flag whose value goes through
// set_config_entry(), the same validation a config file or a checkpoint's settings get.
// Errors become one line on stderr and exit code 2; a diverged run exits with 3.
#include "cli/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "coagent/learner.hpp"
#include "mpi/job.hpp"

namespace coagent::cli {
namespace {

// Refuses a first argument that names no subcommand, listing the known ones; CLI11
// would take it for an extra positional argument.
bool known_subcommand(const CLI::App& app, int argc, char** argv) {
  if (argc <= 1 || argv[1][0] == '-') return true;
  std::string known;
  bool found = false;
  for (const auto* sub : app.get_subcommands({})) {
    found = found || sub->get_name() == argv[1];
    known += (known.empty() ? "" : ", ") + sub->get_name();
  }
  if (!found)
    fmt::print(stderr, "coagent: error: unknown subcommand '{}' (expected one of: {})\n", argv[1],
               known);
  return found;
}

std::string one_line(std::string msg) {
  for (char& c : msg)
    if (c == '\n') c = ' ';
  return msg;
}

// Parses the command line; returns nothing when a subcommand is to run, else the exit
// code (help, version, or a parse error reported on stderr).
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "coagent: error: {} (see coagent --help)\n", one_line(e.what()));
    return kExitBadInput;
  }
  return std::nullopt;
}

// Runs the chosen subcommand; an exception becomes one line on stderr (rank 0 only,
// under mpirun) after what the command printed.
int run_chosen(const Command& chosen) {
  try {
    return chosen ? chosen() : 0;
  } catch (const DivergenceError& e) {
    std::fflush(stdout);
    if (mpi::launcher_rank() == 0)
      fmt::print(stderr, "coagent: error: {} (the last checkpoint written, if any, is kept)\n",
                 e.what());
    return kExitDiverged;
  } catch (const std::exception& e) {
    const std::string msg = one_line(e.what());
    std::fflush(stdout);
    if (mpi::launcher_rank() == 0) fmt::print(stderr, "coagent: error: {}\n", msg);
    return kExitBadInput;
  }
}

}  // namespace

void choose_when_parsed(CLI::App& sub, Command& chosen, Command run) {
  sub.callback([&chosen, run = std::move(run)] { chosen = run; });
}

int run(int argc, char** argv) {
  CLI::App app{"coagent: deep RL policies trained without backpropagation, one agent per neuron"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("coagent ") + COAGENT_VERSION);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  Command chosen;
  add_train(app, chosen);
  add_eval(app, chosen);
  add_plot(app, chosen);
  add_plot_policy(app, chosen);
  add_inspect(app, chosen);
  add_replay(app, chosen);
  add_envs(app, chosen);
  add_exp1(app, chosen);
  add_exp2(app, chosen);
  add_bench(app, chosen);

  if (!known_subcommand(app, argc, argv)) return kExitBadInput;
  if (const std::optional<int> rc = parse(app, argc, argv)) return *rc;
  return run_chosen(chosen);
}

}  // namespace coagent::cli
