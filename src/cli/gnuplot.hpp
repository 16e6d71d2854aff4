// src/cli/gnuplot.hpp — running gnuplot for the CLI's pictures (implemented in
// visuals.cpp): scripts are fed through a pipe, gnuplot's first error line becomes
// the exception message, and images are written to a temporary name and renamed
// only when gnuplot succeeded, so a failure never leaves a half-written image.
#pragma once

#include <string>
#include <string_view>

namespace coagent::cli {

// A gnuplot double-quoted string literal.
std::string gp_quote(std::string_view s);
// `set terminal ...` for a still image: pngcairo, or svg when `svg`.
std::string still_terminal(bool svg, int width, int height);
// Throws std::invalid_argument (naming `flag`) if `out` cannot be an output file.
void check_output_path(const std::string& out, std::string_view flag);
// Runs `body` (plot commands and inline data) with `terminal` into `out`;
// throws std::runtime_error with gnuplot's error line on failure.
void render(const std::string& terminal, const std::string& body, const std::string& out);

}  // namespace coagent::cli
