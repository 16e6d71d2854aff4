// src/cli/visuals_curve.cpp — `coagent plot`, its flags and its run: learning curves
// from metrics files (one run, or the mean and min-max band of several seeds; see
// visuals.hpp).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/gnuplot.hpp"
#include "cli/metrics.hpp"
#include "cli/visuals.hpp"
#include "cli/visuals_scene.hpp"

namespace coagent::cli {
namespace {

// Trailing moving average over the last `window` episodes (fewer at the start).
std::vector<double> moving_average(const std::vector<double>& v, int window) {
  std::vector<double> out(v.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= static_cast<std::size_t>(window)) sum -= v[i - window];
    out[i] = sum / static_cast<double>(std::min<std::size_t>(i + 1, window));
  }
  return out;
}

// Piecewise-linear value of the curve (xs ascending) at x, inside [xs.front(), xs.back()].
double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  auto it = std::upper_bound(xs.begin(), xs.end(), x);
  if (it == xs.begin()) return ys.front();
  if (it == xs.end()) return ys.back();
  const std::size_t i = static_cast<std::size_t>(it - xs.begin());
  const double x0 = xs[i - 1], x1 = xs[i];
  if (x1 <= x0) return ys[i];
  const double t = (x - x0) / (x1 - x0);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

std::string shape_text(const std::vector<int>& shape) { return joined(shape, "-"); }

// --- coagent plot --------------------------------------------------------------------

int cmd_plot(const std::vector<std::string>& files, const std::string& out, bool svg, int window) {
  if (files.empty()) throw std::invalid_argument("plot: no metrics file given");
  if (window < 1)
    throw std::invalid_argument(fmt::format("--window: {} must be at least 1 episode", window));
  check_output_path(out, "--output");
  svg = svg || ends_with(out, ".svg");
  std::vector<RunCurve> runs;
  for (const std::string& f : files) runs.push_back(read_metrics(f));
  for (const RunCurve& r : runs)
    if (r.env != runs[0].env || r.rule != runs[0].rule)
      throw std::invalid_argument(fmt::format(
          "plot: '{}' is {} with rule {} but '{}' is {} with rule {}; a band averages seeds "
          "of one setting",
          runs[0].file, runs[0].env, runs[0].rule, r.file, r.env, r.rule));

  std::string body =
      "set xlabel 'environment steps'\nset ylabel 'episode return'\nset grid\n"
      "set key below\nset format x '%.0f'\nset xrange [0:*]\n"
      "set offsets 0, 0, graph 0.05, graph 0.05\n";
  std::string data;
  if (runs.size() == 1) {
    const RunCurve& r = runs[0];
    const std::vector<double> ma = moving_average(r.returns, window);
    std::string sub = fmt::format("episode return, moving average over {} episodes ({} episodes)",
                                  window, r.returns.size());
    if (r.eval)
      sub +=
          fmt::format("\nafter training: greedy mean return {:.2f} +- {:.2f} over {} episodes ({})",
                      r.eval->mean_return, r.eval->std_return, r.eval->episodes,
                      r.eval->solved ? "solved" : "not solved");
    body += fmt::format(
        "set title {}\n",
        gp_quote(fmt::format("{}, rule {}, seed {}{} - learning curve\n{}", r.env, r.rule, r.seed,
                             r.shape.empty() ? "" : ", network " + shape_text(r.shape), sub)));
    body += fmt::format(
        "plot '-' using 1:2 with points pt 7 ps 0.5 lc rgb '#b0b0b0' title 'episode return', "
        "'-' using 1:2 with lines lw 2 lc rgb '#08519c' title {}\n",
        gp_quote(fmt::format("moving average over {} episodes", window)));
    for (std::size_t i = 0; i < r.steps.size(); ++i)
      data += fmt::format("{} {}\n", gp_num(r.steps[i]), gp_num(r.returns[i]));
    data += "e\n";
    for (std::size_t i = 0; i < r.steps.size(); ++i)
      data += fmt::format("{} {}\n", gp_num(r.steps[i]), gp_num(ma[i]));
    data += "e\n";
  } else {
    // The steps every run covers; each run's smoothed curve is interpolated onto it.
    double lo = runs[0].steps.front(), hi = runs[0].steps.back();
    std::vector<std::vector<double>> smooth;
    for (const RunCurve& r : runs) {
      lo = std::max(lo, r.steps.front());
      hi = std::min(hi, r.steps.back());
      smooth.push_back(moving_average(r.returns, window));
    }
    if (!(hi > lo)) {
      std::string ranges;
      for (const RunCurve& r : runs)
        ranges += fmt::format("{}{}: {}..{}", ranges.empty() ? "" : ", ", r.file,
                              gp_num(r.steps.front()), gp_num(r.steps.back()));
      throw std::invalid_argument(fmt::format(
          "plot: the runs share no range of environment steps to average over ({})", ranges));
    }
    constexpr int kGrid = 200;
    std::vector<std::uint64_t> seeds;
    for (const RunCurve& r : runs) seeds.push_back(r.seed);
    std::string sub = fmt::format(
        "mean and min-max band of {} runs; each a moving average over {} episodes, on a common "
        "grid of steps",
        runs.size(), window);
    const bool all_eval =
        std::all_of(runs.begin(), runs.end(), [](const RunCurve& r) { return r.eval.has_value(); });
    if (all_eval) {
      double sum = 0.0, mn = runs[0].eval->mean_return, mx = mn;
      int solved = 0;
      for (const RunCurve& r : runs) {
        sum += r.eval->mean_return;
        mn = std::min(mn, r.eval->mean_return);
        mx = std::max(mx, r.eval->mean_return);
        solved += r.eval->solved ? 1 : 0;
      }
      sub += fmt::format(
          "\nafter training: greedy mean return {:.2f} (runs {:.2f} to {:.2f}), {} of {} solved",
          sum / runs.size(), mn, mx, solved, runs.size());
    }
    body += fmt::format("set title {}\n",
                        gp_quote(fmt::format("{}, rule {}, seeds {} - learning curve\n{}",
                                             runs[0].env, runs[0].rule, joined(seeds, ", "), sub)));
    body += fmt::format(
        "plot '-' using 1:2:3 with filledcurves fc rgb '#9ecae1' fs transparent solid 0.5 "
        "title 'min-max over runs', '-' using 1:2 with lines lw 2 lc rgb '#08519c' title {}\n",
        gp_quote(fmt::format("mean of {} runs", runs.size())));
    std::string band, mean;
    for (int g = 0; g < kGrid; ++g) {
      const double x = lo + (hi - lo) * g / (kGrid - 1);
      double sum = 0.0, mn = 0.0, mx = 0.0;
      for (std::size_t k = 0; k < runs.size(); ++k) {
        const double y = interpolate(runs[k].steps, smooth[k], x);
        sum += y;
        mn = k == 0 ? y : std::min(mn, y);
        mx = k == 0 ? y : std::max(mx, y);
      }
      band += fmt::format("{} {} {}\n", gp_num(x), gp_num(mn), gp_num(mx));
      mean += fmt::format("{} {}\n", gp_num(x), gp_num(sum / runs.size()));
    }
    data = band + "e\n" + mean + "e\n";
  }
  render(still_terminal(svg, 960, 600), body + data, out);
  return 0;
}

}  // namespace

void add_plot(CLI::App& app, Command& chosen) {
  struct Flags {
    std::vector<std::string> files;
    std::string out, window = "20";
    bool svg = false;
  };
  auto f = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("plot", "learning curves from --metrics files (several: mean and band)");
  sub->add_option("files", f->files, "metrics JSONL files")->required();
  sub->add_option("-o,--output", f->out, "output image (PNG, or SVG with --svg)")->required();
  sub->add_flag("--svg", f->svg, "write SVG");
  sub->add_option("--window", f->window, "moving-average window in episodes")->capture_default_str();
  choose_when_parsed(*sub, chosen, [f] {
    const auto window = parse_int(f->window, "--window");
    if (window < 1 || window > 100000)
      throw std::invalid_argument(fmt::format("--window: {} is out of range [1, 100000]", window));
    return cmd_plot(f->files, f->out, f->svg, static_cast<int>(window));
  });
}

}  // namespace coagent::cli
