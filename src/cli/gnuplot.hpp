// src/cli/gnuplot.hpp — the CLI's name for the library's gnuplot writer
// (src/viz/gnuplot.hpp: finding gnuplot, temp files, one-line errors).
#pragma once

#include "viz/gnuplot.hpp"

namespace coagent::cli {

using viz::check_output_path;
using viz::ends_with;
using viz::gp_num;
using viz::gp_quote;
using viz::render;
using viz::still_terminal;

}  // namespace coagent::cli
