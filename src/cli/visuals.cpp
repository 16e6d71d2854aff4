// src/cli/visuals.cpp — learning curves, policy maps and episode animations, drawn
// by gnuplot (see visuals.hpp). Three parts: gnuplot plumbing (quoting, running,
// the temp-then-rename of the output), reading metrics files, and the scenes of the
// built-in environments (what a state looks like, drawn by gnuplot or as text).
#include "cli/visuals.hpp"

#include "cli/gnuplot.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "coagent/checkpoint.hpp"
#include "coagent/config.hpp"
#include "coagent/env.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

}  // namespace

// --- gnuplot plumbing (declared in gnuplot.hpp) -----------------------------------

// A gnuplot double-quoted string literal ("\n" in `s` becomes a line break).
std::string gp_quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (c == '\n') {
      q += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      q += c;
    }
  }
  return q + '"';
}

namespace {

std::string num(double v) { return fmt::format("{:.6g}", v); }

// Fails before any work if `out` cannot be an output file. `flag` names the option.
}  // namespace

void check_output_path(const std::string& out, std::string_view flag) {
  if (out.empty()) throw std::invalid_argument(fmt::format("{}: empty output path", flag));
  std::error_code ec;
  if (fs::is_directory(out, ec))
    throw std::invalid_argument(fmt::format("{}: '{}' is a directory", flag, out));
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw std::invalid_argument(
        fmt::format("{}: directory '{}' of '{}' does not exist", flag, dir.string(), out));
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::invalid_argument(
        fmt::format("{}: directory '{}' is not writable", flag, dir.string()));
}

namespace {

// The most useful line of gnuplot's stderr: its "line N: ..." message if any,
// otherwise the last non-empty line.
std::string gnuplot_error_line(const std::string& err) {
  std::string last, located;
  std::size_t start = 0;
  while (start < err.size()) {
    std::size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      line = line.substr(first);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      last = line;
      if (located.empty() && line.rfind("line ", 0) == 0) located = line;
    }
    start = end + 1;
  }
  return located.empty() ? last : located;
}

// Runs gnuplot on `script` (its stderr captured to a temp file). Returns the
// error line on failure, nothing on success.
std::optional<std::string> run_gnuplot(const std::string& script) {
  char err_path[] = "/tmp/coagent-gnuplot-XXXXXX";
  const int fd = ::mkstemp(err_path);
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for gnuplot's messages");
  ::close(fd);
  // gnuplot dying early must not kill us with SIGPIPE while the script is written.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &previous);
  std::FILE* gp = ::popen(fmt::format("gnuplot 2>{}", err_path).c_str(), "w");
  int status = -1;
  if (gp != nullptr) {
    std::fwrite(script.data(), 1, script.size(), gp);
    status = ::pclose(gp);
  }
  ::sigaction(SIGPIPE, &previous, nullptr);
  std::string err;
  {
    std::ifstream in(err_path);
    err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ::unlink(err_path);
  if (gp == nullptr) return std::string("cannot start gnuplot");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return std::string("gnuplot is not installed (e.g. apt-get install gnuplot-nox)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string line = gnuplot_error_line(err);
    return line.empty() ? fmt::format("gnuplot exited with status {}", status) : line;
  }
  return std::nullopt;
}

// Draws `body` with `terminal` into PATH.tmp.<pid> and renames it to `out` once
// gnuplot succeeded; the temp file is removed on failure.
}  // namespace

void render(const std::string& terminal, const std::string& body, const std::string& out) {
  const std::string tmp = fmt::format("{}.tmp.{}", out, ::getpid());
  const std::string script =
      fmt::format("{}\nset output {}\n{}\nunset output\n", terminal, gp_quote(tmp), body);
  const std::optional<std::string> error = run_gnuplot(script);
  std::error_code ec;
  if (error) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("gnuplot failed to write '{}': {}", out, *error));
  }
  if (!fs::is_regular_file(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("gnuplot wrote nothing for '{}'", out));
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("cannot rename '{}' to '{}'", tmp, out));
  }
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string still_terminal(bool svg, int width, int height) {
  return svg ? fmt::format(
                   "set terminal svg size {},{} noenhanced font 'sans,12' background '#ffffff'",
                   width, height)
             : fmt::format("set terminal pngcairo size {},{} noenhanced font 'sans,11'", width,
                           height);
}

namespace {

// --- metrics files ---------------------------------------------------------------

struct EvalSummary {
  double mean_return = 0.0, std_return = 0.0;
  int episodes = 0;
  bool solved = false;
};

struct RunCurve {
  std::string file;
  std::string env, rule, mode;
  std::uint64_t seed = 0;
  std::vector<int> shape;
  std::vector<double> steps, returns;  // one per finished episode, by step
  std::optional<EvalSummary> eval;
};

double number_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number())
    throw std::invalid_argument(fmt::format("{}: expected a number \"{}\"", where, key));
  return it->get<double>();
}

std::string string_field(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw std::invalid_argument(fmt::format("{}: expected a string \"{}\"", where, key));
  return it->get<std::string>();
}

RunCurve read_metrics(const std::string& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw std::invalid_argument(
        fmt::format("plot: '{}' is a directory, expected a metrics file", file));
  std::ifstream in(file);
  if (!in)
    throw std::invalid_argument(
        fmt::format("plot: cannot read metrics file '{}': {}", file,
                    fs::exists(file, ec) ? "permission denied" : "no such file"));
  RunCurve run;
  run.file = file;
  bool have_run = false;
  std::vector<std::pair<double, double>> points;
  std::string line;
  long line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = fmt::format("plot: {}:{}", file, line_no);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw std::invalid_argument(fmt::format("{}: not valid JSON", where));
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
      throw std::invalid_argument(fmt::format("{}: expected a JSON object with a \"type\"", where));
    const std::string type = j["type"].get<std::string>();
    if (!have_run && type != "run")
      throw std::invalid_argument(fmt::format(
          "{}: a line of type \"{}\" before the \"run\" line (a metrics file of coagent train "
          "--metrics starts with its \"run\" line)",
          where, type));
    if (type == "run") {
      if (have_run)
        throw std::invalid_argument(fmt::format(
            "{}: a second \"run\" line (concatenated files? pass each run as its own argument)",
            where));
      have_run = true;
      run.env = string_field(j, "env", where);
      run.rule = string_field(j, "rule", where);
      const double seed = number_field(j, "seed", where);
      if (seed < 0) throw std::invalid_argument(fmt::format("{}: negative seed", where));
      run.seed = static_cast<std::uint64_t>(seed);
      if (auto it = j.find("mode"); it != j.end() && it->is_string())
        run.mode = it->get<std::string>();
      if (auto it = j.find("shape"); it != j.end() && it->is_array())
        for (const auto& w : *it)
          if (w.is_number_integer()) run.shape.push_back(w.get<int>());
    } else if (type == "episode") {
      const double step = number_field(j, "step", where);
      // A non-finite return is written as null: there is no point to draw.
      if (auto it = j.find("return"); it != j.end() && it->is_null()) continue;
      points.emplace_back(step, number_field(j, "return", where));
    } else if (type == "eval") {
      EvalSummary e;
      e.mean_return = number_field(j, "mean_return", where);
      if (auto it = j.find("std_return"); it != j.end() && it->is_number())
        e.std_return = it->get<double>();
      if (auto it = j.find("episodes"); it != j.end() && it->is_number_integer())
        e.episodes = it->get<int>();
      if (auto it = j.find("solved"); it != j.end() && it->is_boolean()) e.solved = it->get<bool>();
      run.eval = e;
    }
    // Other types ("layers", later additions) are not part of the learning curve.
  }
  if (in.bad()) throw std::invalid_argument(fmt::format("plot: error reading '{}'", file));
  if (!have_run)
    throw std::invalid_argument(fmt::format(
        "plot: '{}' has no \"run\" line (not a metrics file of coagent train --metrics?)", file));
  if (points.empty())
    throw std::invalid_argument(fmt::format(
        "plot: '{}' has no episode lines (the run finished no episode; train longer)", file));
  // Async runs with several environments report episodes nearly, not exactly, in order.
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [s, r] : points) {
    run.steps.push_back(s);
    run.returns.push_back(r);
  }
  return run;
}

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

// (Not fmt::join: GCC 12 warns inside fmt 9's join formatter, -Wstringop-overflow.)
template <typename T>
std::string joined(const std::vector<T>& v, std::string_view sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i)
    s += (i > 0 ? std::string(sep) : "") + std::to_string(v[i]);
  return s;
}

std::string shape_text(const std::vector<int>& shape) { return joined(shape, "-"); }

// --- scenes of the built-in environments --------------------------------------------

enum class Scene { chain, mountaincar, pendulum };

Scene scene_of(const Trainer& trainer, std::string_view what) {
  const std::string& env = trainer.config().env;
  if (env == "chain") return Scene::chain;
  if (env == "mountaincar") return Scene::mountaincar;
  if (env == "pendulum") return Scene::pendulum;
  throw std::invalid_argument(
      fmt::format("{}: no picture for env '{}' (its state is not 1- or 2-dimensional); chain, "
                  "mountaincar and pendulum have one",
                  what, env));
}

// The observation a built-in environment emits in `state` (mirrors their observe()).
std::vector<double> observation_of(Scene scene, double s0, double s1) {
  switch (scene) {
    case Scene::chain:
      return {s0 / 100.0};
    case Scene::mountaincar:
      return {s0, s1};
    case Scene::pendulum:
      return {static_cast<float>(std::cos(s0)), static_cast<float>(std::sin(s0)),
              static_cast<float>(s1)};
  }
  return {};
}

// Angles shown in [-pi, pi] (the pendulum's state is not wrapped).
double wrap_angle(double th) { return std::remainder(th, 2 * std::numbers::pi); }

double hill(double x) { return std::sin(3 * x) * 0.45 + 0.55; }

struct Episode {
  std::vector<std::vector<double>> states;  // states[0] after reset, states[t] after step t
  std::vector<double> actions;              // actions[t-1]: the action of step t
  std::vector<double> returns;              // returns[t]: the return after t steps
  bool terminated = false;
};

// One greedy episode on `env`, reset with `seed` (or continuing its stream).
Episode greedy_episode(const Trainer& trainer, Env& env, std::optional<std::uint64_t> seed) {
  Episode ep;
  std::vector<double> obs(env.observation_size()), action(env.action_size());
  std::vector<float> scratch;
  env.reset(seed, obs);
  ep.states.push_back(env.state());
  ep.returns.push_back(0.0);
  while (true) {
    trainer.network().greedy_action(obs, action, scratch);
    const StepResult r = env.step(action, obs);
    ep.states.push_back(env.state());
    ep.actions.push_back(action[0]);
    ep.returns.push_back(ep.returns.back() + r.reward);
    if (r.terminated || r.truncated) {
      ep.terminated = r.terminated;
      break;
    }
  }
  return ep;
}

// Frames to draw of an episode with `n` states: every k-th so that there are at
// most about `max_frames`, always the first and the last.
std::vector<std::size_t> frame_indices(std::size_t n, std::size_t max_frames) {
  const std::size_t stride = std::max<std::size_t>(1, (n - 1 + max_frames - 1) / max_frames);
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < n; i += stride) idx.push_back(i);
  if (idx.back() != n - 1) idx.push_back(n - 1);
  return idx;
}

std::string run_label(const Trainer& trainer) {
  const TrainConfig& c = trainer.config();
  return fmt::format("{}, rule {}, seed {}, network {}, {} steps trained", c.env, to_string(c.rule),
                     c.seed, shape_text(trainer.network().shape()), trainer.steps_done());
}

constexpr double kGoalPosition = 0.45;  // mountaincar's flag
constexpr std::size_t kMaxFrames = 200;

}  // namespace

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
      data += fmt::format("{} {}\n", num(r.steps[i]), num(r.returns[i]));
    data += "e\n";
    for (std::size_t i = 0; i < r.steps.size(); ++i)
      data += fmt::format("{} {}\n", num(r.steps[i]), num(ma[i]));
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
                              num(r.steps.front()), num(r.steps.back()));
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
      band += fmt::format("{} {} {}\n", num(x), num(mn), num(mx));
      mean += fmt::format("{} {}\n", num(x), num(sum / runs.size()));
    }
    data = band + "e\n" + mean + "e\n";
  }
  render(still_terminal(svg, 960, 600), body + data, out);
  return 0;
}

// --- coagent plot-policy ---------------------------------------------------------------

int cmd_plot_policy(const std::string& checkpoint, const std::string& out, bool svg) {
  check_output_path(out, "--output");
  svg = svg || ends_with(out, ".svg");
  auto trainer = load_checkpoint(checkpoint);
  const Scene scene = scene_of(*trainer, "plot-policy");
  auto env = trainer->make_environment();
  const Box bounds = env->action_bounds();
  const Network& net = trainer->network();
  std::vector<double> action(net.action_size());
  std::vector<float> scratch;
  auto greedy = [&](double s0, double s1) {
    net.greedy_action(observation_of(scene, s0, s1), action, scratch);
    return action[0];
  };

  // The first greedy evaluation episodes: as `coagent eval` runs them.
  constexpr int kTrajectories = 4;
  const std::uint64_t seed = Trainer::default_eval_seed(trainer->config().seed);
  std::vector<Episode> episodes;
  for (int i = 0; i < kTrajectories; ++i)
    episodes.push_back(
        greedy_episode(*trainer, *env, i == 0 ? std::optional<std::uint64_t>(seed) : std::nullopt));
  const char* colours[] = {"#000000", "#1b7837", "#762a83", "#e08214", "#01665e"};

  std::string body = "set key below\n";
  std::string data;
  const std::string title_head = run_label(*trainer);
  if (scene == Scene::chain) {
    body += fmt::format(
        "set title {}\nset xlabel 'position p (cell; start 0, goal 100)'\n"
        "set ylabel 'greedy action (> 0 moves right)'\nset y2label 'step of the greedy episode'\n"
        "set xrange [-1:101]\nset yrange [{}:{}]\nset y2range [0:{}]\nset ytics nomirror\n"
        "set y2tics\nset grid\nset arrow from -1,0 to 101,0 nohead dt 2 lc rgb '#888888'\n",
        gp_quote(title_head + "\ngreedy action by position; the greedy episode from the "
                              "evaluation seed (chain is deterministic: every seed walks alike)"),
        num(bounds.low[0] * 1.05), num(bounds.high[0] * 1.05),
        num(1.05 * static_cast<double>(episodes[0].actions.size()) + 1));
    const Episode& ep = episodes[0];
    body += fmt::format(
        "plot '-' using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#b2182b' title 'greedy "
        "action', '-' using 1:2 axes x1y2 with lines lw 2 lc rgb '#2166ac' title {}\n",
        gp_quote(fmt::format("greedy episode: position over time (return {:.1f}, {} steps)",
                             ep.returns.back(), ep.actions.size())));
    for (int p = 0; p <= 100; ++p) data += fmt::format("{} {}\n", p, num(greedy(p, 0)));
    data += "e\n";
    for (std::size_t t = 0; t < ep.states.size(); ++t)
      data += fmt::format("{} {}\n", num(ep.states[t][0]), t);
    data += "e\n";
    render(still_terminal(svg, 960, 600), body + data, out);
    return 0;
  }

  const bool car = scene == Scene::mountaincar;
  const double x0 = car ? -1.2 : -std::numbers::pi, x1 = car ? 0.6 : std::numbers::pi;
  const double y0 = car ? -0.07 : -8.0, y1 = car ? 0.07 : 8.0;
  constexpr int kNx = 121, kNy = 101;
  body += fmt::format(
      "set title {}\nset xlabel {}\nset ylabel {}\nset cblabel {}\n"
      "set xrange [{}:{}]\nset yrange [{}:{}]\nset cbrange [{}:{}]\n"
      "set palette defined (0 '#2166ac', 1 '#f7f7f7', 2 '#b2182b')\n"
      "set tics out\nset size ratio 0.75\n",
      gp_quote(title_head + "\ngreedy action over the state space, with the first " +
               std::to_string(kTrajectories) + " greedy evaluation episodes (o start, x end)"),
      gp_quote(car ? "car position (m)" : "angle theta (rad, 0 = upright)"),
      gp_quote(car ? "car velocity (m per step)" : "angular velocity (rad/s)"),
      gp_quote(car ? "greedy action (force)" : "greedy action (torque, N m)"), num(x0), num(x1),
      num(y0), num(y1), num(bounds.low[0]), num(bounds.high[0]));
  if (car)
    body += fmt::format(
        "set arrow from {0},{1} to {0},{2} nohead dt 2 lw 1.5 lc rgb '#333333' front\n"
        "set label 'goal' at {0},{2} offset 0.5,-1 front\n",
        kGoalPosition, y0, y1);
  std::string plot = "plot '-' using 1:2:3 with image notitle";
  data += [&] {
    std::string d;
    for (int j = 0; j < kNy; ++j) {
      const double y = y0 + (y1 - y0) * j / (kNy - 1);
      for (int i = 0; i < kNx; ++i) {
        const double x = x0 + (x1 - x0) * i / (kNx - 1);
        d += fmt::format("{} {} {}\n", num(x), num(y), num(greedy(x, y)));
      }
      d += '\n';
    }
    return d + "e\n";
  }();
  for (std::size_t k = 0; k < episodes.size(); ++k) {
    const Episode& ep = episodes[k];
    const char* colour = colours[k % std::size(colours)];
    plot += fmt::format(
        ", '-' using 1:2 with lines lw 2 lc rgb '{0}' title {1}, '-' using 1:2 with points pt 6 "
        "ps 1.5 lw 2 lc rgb '{0}' notitle, '-' using 1:2 with points pt 2 ps 1.5 lw 2 lc rgb '{0}' "
        "notitle",
        colour,
        gp_quote(fmt::format("episode {}: return {:.1f}, {} steps{}", k + 1, ep.returns.back(),
                             ep.actions.size(), car && ep.terminated ? ", reached the goal" : "")));
    auto point = [&](const std::vector<double>& s) {
      return fmt::format("{} {}\n", num(car ? s[0] : wrap_angle(s[0])), num(s[1]));
    };
    double prev = 0.0;
    for (std::size_t t = 0; t < ep.states.size(); ++t) {
      const double x = car ? ep.states[t][0] : wrap_angle(ep.states[t][0]);
      // A pendulum crossing +-pi reappears on the other side: break the line there.
      if (t > 0 && std::abs(x - prev) > std::numbers::pi) data += '\n';
      data += point(ep.states[t]);
      prev = x;
    }
    data += "e\n" + point(ep.states.front()) + "e\n" + point(ep.states.back()) + "e\n";
  }
  render(still_terminal(svg, 960, 760), body + plot + "\n" + data, out);
  return 0;
}

// --- episode animations -----------------------------------------------------------------

void write_episode_gif(const Trainer& trainer, const std::string& path, std::uint64_t seed) {
  check_output_path(path, "--gif");
  const Scene scene = scene_of(trainer, "--gif");
  auto env = trainer.make_environment();
  const Episode ep = greedy_episode(trainer, *env, seed);
  const std::string head =
      fmt::format("{}, rule {}, seed {}, {} steps trained", trainer.config().env,
                  to_string(trainer.config().rule), trainer.config().seed, trainer.steps_done());
  std::string terminal, body;
  switch (scene) {
    case Scene::mountaincar: {
      terminal = "set terminal gif animate delay 5 loop 0 size 720,440 noenhanced";
      body =
          "set xrange [-1.2:0.6]\nset yrange [0:1.25]\nunset key\nset xlabel 'car position (m)'\n"
          "set ylabel 'height'\nset grid\n$HILL << EOD\n";
      for (int i = 0; i <= 180; ++i) {
        const double x = -1.2 + 1.8 * i / 180;
        body += fmt::format("{} {}\n", num(x), num(hill(x)));
      }
      const double g = hill(kGoalPosition);
      body += fmt::format(
          "EOD\nset arrow 1 from {0},{1} to {0},{2} nohead lw 2 lc rgb '#333333'\n"
          "set object 1 polygon from {0},{2} to {3},{4} to {0},{5} fc rgb '#d7301f' fs solid "
          "noborder\n",
          kGoalPosition, num(g), num(g + 0.16), num(kGoalPosition + 0.07), num(g + 0.135),
          num(g + 0.11));
      break;
    }
    case Scene::pendulum:
      terminal = "set terminal gif animate delay 5 loop 0 size 520,560 noenhanced";
      body =
          "set xrange [-1.4:1.4]\nset yrange [-1.4:1.4]\nset size ratio -1\nunset key\n"
          "set xlabel 'x (m)'\nset ylabel 'y (m)'\n"
          "set object 1 circle at 0,0 size 1 fs empty border lc rgb '#cccccc' dt 2\n"
          "set arrow 1 from 0,0 to 0,1.15 nohead dt 3 lc rgb '#aaaaaa'\n"
          "set label 1 'upright' at 0.05,1.12\nset label 3 'torque (+ = counter-clockwise)' at "
          "-1.35,-1.36\n";
      break;
    case Scene::chain:
      terminal = "set terminal gif animate delay 5 loop 0 size 960,260 noenhanced";
      body =
          "set xrange [-1.5:102.5]\nset yrange [-1:1]\nunset ytics\nunset key\n"
          "set xlabel 'position p (cell)'\nset xtics 0,10,100\n"
          "set label 1 'goal' at 100,0.55 center\n$CELLS << EOD\n";
      for (int p = 0; p <= 100; ++p) body += fmt::format("{} 0\n", p);
      body += "EOD\n";
      break;
  }
  const std::int64_t last = static_cast<std::int64_t>(ep.states.size()) - 1;
  for (std::size_t i : frame_indices(ep.states.size(), kMaxFrames)) {
    const std::vector<double>& s = ep.states[i];
    const double a = i < ep.actions.size() ? ep.actions[i] : ep.actions.back();
    const std::string counter = fmt::format(
        "step {}/{}{}, return {:.2f}", i, last,
        static_cast<std::int64_t>(i) == last ? (ep.terminated ? " (done)" : " (time limit)") : "",
        ep.returns[i]);
    body += fmt::format("set title {}\n", gp_quote(head + "\n" + counter));
    switch (scene) {
      case Scene::mountaincar: {
        const double y = hill(s[0]) + 0.04;
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.94\n"
            "set arrow 2 from {},{} to {},{} lw 3 lc rgb '#e08214'\n"
            "plot $HILL with lines lw 3 lc rgb '#4d4d4d', '-' with points pt 5 ps 3 lc rgb "
            "'#2166ac'\n"
            "{} {}\ne\n",
            gp_quote(fmt::format("velocity {:+.4f}   action {:+.2f}", s[1], a)), num(s[0]),
            num(y + 0.09), num(s[0] + 0.15 * a), num(y + 0.09), num(s[0]), num(y));
        break;
      }
      case Scene::pendulum: {
        // As Gymnasium draws it: theta counter-clockwise from upright.
        const double tx = -std::sin(s[0]), ty = std::cos(s[0]);
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.96\n"
            "set arrow 2 from 0,-1.25 to {},-1.25 lw 3 lc rgb '#e08214'\n"
            "plot '-' with lines lw 6 lc rgb '#2166ac', '-' with points pt 7 ps 3 lc rgb "
            "'#b2182b'\n"
            "0 0\n{} {}\ne\n{} {}\ne\n",
            gp_quote(fmt::format("theta {:+.2f} rad  omega {:+.2f} rad/s  torque {:+.2f}",
                                 wrap_angle(s[0]), s[1], a)),
            num(0.5 * a), num(tx), num(ty), num(tx), num(ty));
        break;
      }
      case Scene::chain:
        body += fmt::format(
            "set label 2 {} at graph 0.02,0.9\n"
            "plot $CELLS with points pt 4 ps 1.2 lc rgb '#999999', '-' with points pt 5 ps 1.6 "
            "lc rgb '#1b7837', '-' with points pt 5 ps 2 lc rgb '#b2182b'\n100 0\ne\n{} 0\ne\n",
            gp_quote(fmt::format("action {:+.2f} ({})", a, a > 0 ? "right" : "left")), num(s[0]));
        break;
    }
  }
  render(terminal, body, path);
}

void print_episode_ascii(const Trainer& trainer, std::FILE* out, std::uint64_t seed) {
  const Scene scene = scene_of(trainer, "--ascii");
  auto env = trainer.make_environment();
  const Episode ep = greedy_episode(trainer, *env, seed);
  const bool tty = ::isatty(::fileno(out)) != 0;
  const std::int64_t last = static_cast<std::int64_t>(ep.states.size()) - 1;
  fmt::print(out, "{}\ngreedy episode, reset with seed {}\n", run_label(trainer), seed);
  std::size_t drawn_lines = 0;
  for (std::size_t i : frame_indices(ep.states.size(), kMaxFrames)) {
    const std::vector<double>& s = ep.states[i];
    const double a = i < ep.actions.size() ? ep.actions[i] : ep.actions.back();
    std::vector<std::string> lines;
    switch (scene) {
      case Scene::mountaincar: {
        constexpr int kW = 72, kH = 8;
        std::vector<std::string> grid(kH, std::string(kW, ' '));
        auto col = [](double x) {
          return std::clamp(static_cast<int>(std::lround((x + 1.2) / 1.8 * (kW - 1))), 0, kW - 1);
        };
        // Heights 0.1..1 on rows kH-1..1; the flag's top is row 0.
        auto row = [](double x) {
          return std::clamp(static_cast<int>(std::lround((1.0 - hill(x)) / 0.9 * (kH - 2))) + 1, 1,
                            kH - 1);
        };
        for (int c = 0; c < kW; ++c) grid[row(-1.2 + 1.8 * c / (kW - 1))][c] = '.';
        grid[row(kGoalPosition) - 1][col(kGoalPosition)] = 'F';
        grid[row(s[0]) - 1][col(s[0])] = 'C';
        lines = grid;
        lines.push_back(fmt::format(
            "step {:>4}/{}  position {:+.3f}  velocity {:+.4f}  action {:+.2f}  return {:.2f}", i,
            last, s[0], s[1], a, ep.returns[i]));
        break;
      }
      case Scene::pendulum: {
        constexpr int kH = 11, kW = 23, kCy = 5, kCx = 11;
        std::vector<std::string> grid(kH, std::string(kW, ' '));
        const double tx = -std::sin(s[0]), ty = std::cos(s[0]);
        for (int k = 0; k <= 20; ++k) {
          const double t = k / 20.0;
          const int r = kCy - static_cast<int>(std::lround(t * ty * 5));
          const int c = kCx + static_cast<int>(std::lround(t * tx * 10));
          grid[std::clamp(r, 0, kH - 1)][std::clamp(c, 0, kW - 1)] = k == 20 ? '@' : '#';
        }
        grid[kCy][kCx] = 'o';
        lines = grid;
        lines.push_back(fmt::format(
            "step {:>3}/{}  theta {:+.2f} rad  omega {:+.2f} rad/s  torque {:+.2f}  return {:.2f}",
            i, last, wrap_angle(s[0]), s[1], a, ep.returns[i]));
        break;
      }
      case Scene::chain: {
        std::string row(101, '.');
        row[100] = 'G';
        row[static_cast<std::size_t>(std::clamp(s[0], 0.0, 100.0))] = 'A';
        lines.push_back("|" + row + "|");
        lines.push_back(
            fmt::format("step {:>3}/{}  position {:.0f}  action {:+.2f} ({})  return {:.2f}", i,
                        last, s[0], a, a > 0 ? "right" : "left", ep.returns[i]));
        break;
      }
    }
    if (tty && drawn_lines > 0)
      fmt::print(out, "\x1b[{}A", drawn_lines);
    else if (!tty)
      fmt::print(out, "\n");
    for (std::string& l : lines) {
      l.erase(l.find_last_not_of(' ') + 1);
      fmt::print(out, "{}{}\n", l, tty ? "\x1b[K" : "");
    }
    drawn_lines = lines.size();
    if (tty) {
      std::fflush(out);
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
  }
  fmt::print(out, "{} after {} steps, return {:.2f}\n",
             ep.terminated ? "episode ended" : "episode truncated by the time limit", last,
             ep.returns.back());
  std::fflush(out);
}

}  // namespace coagent::cli
