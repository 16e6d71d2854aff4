// tools/coagent.cpp — the `coagent` command line: a thin main over src/cli.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return coagent::cli::run(argc, argv); }
