// src/viz/gnuplot.hpp — the one place that runs gnuplot (library-internal; the CLI's
// learning curves, policy maps, episode animations, bench and experiment plots all
// draw through it).
//
// find_gnuplot() looks gnuplot up on PATH. render() writes the script (terminal,
// output, plot commands and inline data) to a temporary file, runs gnuplot on it with
// its stderr captured to a second temporary file, and has gnuplot draw into
// OUT.tmp.<pid>, which is renamed over OUT only when gnuplot succeeded: a failure
// never leaves a half-written image. Every failure (gnuplot missing, gnuplot
// exiting non-zero, nothing written) is one std::runtime_error line: gnuplot's own
// "line N: ..." message when it has one. gnuplot's stderr is never shown.
//
// Threading: the functions share no state; two render() calls may run at once (each
// uses its own temporary files).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace coagent::viz {

// A gnuplot double-quoted string literal ("\n" in `s` becomes a line break).
std::string gp_quote(std::string_view s);
// A number as the pictures write it into inline data: "{:.6g}".
std::string gp_num(double v);
// `set terminal ...` for a still image: pngcairo, or svg when `svg`.
std::string still_terminal(bool svg, int width, int height);
// True if `path` ends with `suffix`.
bool ends_with(std::string_view path, std::string_view suffix);

// Throws std::invalid_argument (naming `flag`) if `out` cannot be an output file: an
// empty path, a directory, a missing or unwritable directory.
void check_output_path(const std::string& out, std::string_view flag);

// The gnuplot executable on PATH; nothing when it is not installed.
std::optional<std::string> find_gnuplot();

// Runs `body` (plot commands and inline data) with `terminal` into `out`; throws
// std::runtime_error with a one-line reason on failure (see the file comment).
void render(const std::string& terminal, const std::string& body, const std::string& out);

}  // namespace coagent::viz
