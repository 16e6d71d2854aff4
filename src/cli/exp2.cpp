// src/cli/exp2.cpp — `coagent exp2` (see exp2.hpp), its flags and its run: a thin layer
// over run_exp2.
#include "cli/exp2.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cli/commands.hpp"
#include "cli/gnuplot.hpp"
#include "coagent/exp2.hpp"

namespace coagent::cli {
namespace {

using json = nlohmann::json;

std::pair<std::string, std::string> key_value(const std::string& text, std::string_view flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw std::invalid_argument(fmt::format("{}: '{}' is not valid, expected KEY=VALUE", flag, text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string column_title(Exp2Column c, const TrainConfig& cfg) {
  switch (c) {
    case Exp2Column::local: return fmt::format("local rule ({}), all layers learning", to_string(cfg.rule));
    case Exp2Column::frozen: return "same, hidden layers frozen (control)";
    case Exp2Column::ddpg: return "DDPG (backprop), same network and budget";
    case Exp2Column::ars: return "ARS (V2-t, backprop-free, the preset's ARS settings), same budget";
  }
  return "?";
}

std::string steps_text(std::int64_t s) { return s < 0 ? "never" : fmt::format("{}", s); }

void write_csv(const std::string& path, const std::vector<Exp2Run>& runs) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::invalid_argument(fmt::format("--csv: cannot write '{}'", path));
    f << "column,seed,final_mean_return,final_success_rate,solved,steps_to_solve,wall_seconds,curve\n";
    for (const Exp2Run& r : runs) {
      std::string curve;
      for (const auto& [step, ret] : r.curve) curve += fmt::format("{}{}:{:.3f}", curve.empty() ? "" : " ", step, ret);
      f << fmt::format("{},{},{:.4f},{:.4f},{},{},{:.2f},{}\n", to_string(r.column), r.seed,
                       r.final.mean_return, r.final.success_rate, r.final.solved ? 1 : 0,
                       r.solve_step, r.wall_seconds, curve);
    }
    if (!f.flush()) throw std::runtime_error(fmt::format("--csv: cannot write '{}'", path));
  }
  std::filesystem::rename(tmp, path);
}

// ARS evaluates at the end of the first iteration past each multiple of eval_every, a
// different step on every seed: each point is drawn at the multiple it stands for, so the
// seeds' points meet in one mean.
void write_plot(const std::string& path, const std::vector<Exp2Run>& runs, const TrainConfig& cfg,
                const std::string& preset, const std::vector<Exp2Column>& columns,
                std::int64_t eval_every) {
  static const char* kColors[] = {"#08519c", "#a50f15", "#238b45", "#6a3d9a"};
  std::string plots, data;
  int k = 0;
  for (Exp2Column c : columns) {
    std::map<std::int64_t, std::vector<double>> at;
    for (const Exp2Run& r : runs)
      if (r.column == c)
        for (const auto& [step, ret] : r.curve) at[step / eval_every * eval_every].push_back(ret);
    if (at.empty()) continue;
    std::string band, mean;
    for (const auto& [step, v] : at) {
      double sum = 0.0;
      for (double x : v) sum += x;
      band += fmt::format("{} {} {}\n", step, *std::min_element(v.begin(), v.end()),
                          *std::max_element(v.begin(), v.end()));
      mean += fmt::format("{} {}\n", step, sum / static_cast<double>(v.size()));
    }
    const char* color = kColors[k++ % 4];
    plots += fmt::format("{}'-' using 1:2:3 with filledcurves fc rgb '{}' fs transparent solid 0.15 notitle, "
                         "'-' using 1:2 with lines lw 2 lc rgb '{}' title {}",
                         plots.empty() ? "" : ", ", color, color,
                         gp_quote(std::string(column_title(c, cfg))));
    data += band + "e\n" + mean + "e\n";
  }
  const std::string body = fmt::format(
      "set title {}\nset xlabel 'environment steps'\nset ylabel 'greedy mean return'\n"
      "set key bottom right\nset grid\nplot {}\n",
      gp_quote(fmt::format("Experiment 2: {} (preset {}), network {}-{}-out\nmean and min-max "
                           "band over seeds of the greedy return on fresh episodes",
                           cfg.env, preset, "obs", fmt::join(cfg.hidden, "-"))),
      plots);
  const bool svg = path.size() > 4 && path.substr(path.size() - 4) == ".svg";
  render(still_terminal(svg, 960, 600), body + data, path);
}

int cmd_exp2(const Exp2Options& in) {
  const Preset* env_preset = in.env.empty() ? nullptr : preset_for_env(in.env);
  const std::string preset_name = !in.preset.empty() ? in.preset
                                  : in.env.empty()   ? std::string("mountaincar")
                                  : env_preset       ? env_preset->name
                                                     : in.env;
  const Preset& preset = find_preset(preset_name);
  coagent::Exp2Options o;
  apply_preset(o.local, preset_name);
  if (!in.preset.empty() && !in.env.empty()) set_config_entry(o.local, "env", in.env);
  for (const auto& text : in.set) {
    const auto [k, v] = key_value(text, "--set");
    set_config_entry(o.local, k, v);
  }
  if (!in.steps.empty()) set_config_entry(o.local, "steps", in.steps);
  o.local.eval_episodes = in.eval_episodes;
  o.local.validate();
  make_env(o.local.env);  // throws naming the known environments
  o.ddpg = ddpg_config_for(o.local, preset);
  for (const auto& text : in.ddpg_set) {
    const auto [k, v] = key_value(text, "--ddpg-set");
    set_ddpg_config_entry(o.ddpg, k, v);
  }
  o.ddpg.validate();
  o.ars = ars_config_for(preset);
  for (const auto& text : in.ars_set) {
    const auto [k, v] = key_value(text, "--ars-set");
    set_ars_config_entry(o.ars, k, v);
  }
  o.ars.validate();
  o.columns.clear();
  for (std::size_t p = 0; p <= in.columns.size();) {
    const std::size_t q = std::min(in.columns.find(',', p), in.columns.size());
    const Exp2Column c = parse_exp2_column(in.columns.substr(p, q - p));
    if (std::find(o.columns.begin(), o.columns.end(), c) != o.columns.end())
      throw std::invalid_argument(fmt::format("--columns: '{}' is given twice", to_string(c)));
    o.columns.push_back(c);
    p = q + 1;
  }
  if (in.seeds < 1 || in.seeds > 1000)
    throw std::invalid_argument(fmt::format("--seeds: {} is out of range [1, 1000]", in.seeds));
  if (in.jobs < 0 || in.jobs > 1024)
    throw std::invalid_argument(fmt::format("--jobs: {} is out of range [0, 1024]", in.jobs));
  if (in.curve_episodes < 1 || in.curve_episodes > 100000)
    throw std::invalid_argument(fmt::format("--curve-episodes: {} is out of range [1, 100000]", in.curve_episodes));
  if (in.eval_episodes < 1 || in.eval_episodes > 1000000)
    throw std::invalid_argument(fmt::format("--eval-episodes: {} is out of range [1, 1000000]", in.eval_episodes));
  o.seeds = in.seeds;
  o.first_seed = in.first_seed;
  o.curve_episodes = in.curve_episodes;
  o.eval_episodes = in.eval_episodes;
  o.eval_every = in.eval_every.empty() ? std::max<std::int64_t>(1, o.local.steps / 20)
                                       : parse_int(in.eval_every, "--eval-every");
  if (o.eval_every < 1)
    throw std::invalid_argument(fmt::format("--eval-every: {} must be at least 1", o.eval_every));
  o.jobs = in.jobs > 0 ? in.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (!in.plot.empty()) check_output_path(in.plot, "--plot");
  if (!in.csv.empty()) check_output_path(in.csv, "--csv");

  const std::int64_t cells = static_cast<std::int64_t>(o.columns.size()) * o.seeds;
  if (!in.json)
    fmt::print("Experiment 2: {} (preset {}), network obs-{}-out, {} steps per run, seeds {}..{}, "
               "{} runs, {} at a time\n",
               o.local.env, preset_name, fmt::join(o.local.hidden, "-"), o.local.steps,
               o.first_seed, o.first_seed + o.seeds - 1, cells, std::min<std::int64_t>(o.jobs, cells));
  std::int64_t done = 0;
  const auto runs = run_exp2(o, [&](const Exp2Run& r) {
    ++done;
    if (!in.json)
      fmt::print(stderr, "  [{}/{}] {} seed {}: final {:.1f}{}, solved at {}, {:.0f} s\n", done, cells,
                 to_string(r.column), r.seed, r.final.mean_return, r.final.solved ? " (solved)" : "",
                 steps_text(r.solve_step), r.wall_seconds);
  });
  const auto summary = summarise_exp2(runs);
  // Paired comparison of the local rule with its frozen control on the same seeds.
  const Exp2Paired pair = compare_local_frozen(runs);
  const bool paired = pair.pairs > 0;
  const int earlier = pair.earlier, later = pair.later, same = pair.same;

  if (in.json) {
    json j;
    j["env"] = o.local.env;
    j["preset"] = preset_name;
    j["hidden"] = o.local.hidden;
    j["steps"] = o.local.steps;
    j["seeds"] = o.seeds;
    j["first_seed"] = o.first_seed;
    for (const Exp2Summary& s : summary)
      j["summary"][std::string(to_string(s.column))] = {
          {"runs", s.runs}, {"solved", s.solved}, {"mean_return", s.mean_return},
          {"min_return", s.min_return}, {"max_return", s.max_return},
          {"reached", s.reached}, {"solved_at_start", s.solved_at_start},
          {"median_steps_to_solve", s.median_solve},
          {"mean_wall_seconds", s.mean_wall_seconds}};
    if (paired) j["local_vs_frozen"] = {{"earlier", earlier}, {"later", later}, {"same", same}};
    for (const Exp2Run& r : runs)
      j["runs"].push_back({{"column", to_string(r.column)}, {"seed", r.seed},
                           {"final_mean_return", std::isfinite(r.final.mean_return) ? json(r.final.mean_return) : json(nullptr)},
                           {"solved", r.final.solved}, {"steps_to_solve", r.solve_step},
                           {"wall_seconds", r.wall_seconds}});
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("\n| column | solved (final, {} episodes) | mean final return (min..max) | reached "
               "criterion during training | solved before training | median steps to solve | "
               "wall s per run (with its evaluations) |\n",
               o.eval_episodes);
    fmt::print("|---|---|---|---|---|---|---|\n");
    for (const Exp2Summary& s : summary)
      fmt::print("| {} | {}/{} | {:.1f} ({:.1f}..{:.1f}) | {}/{} | {}/{} | {} | {:.1f} |\n",
                 column_title(s.column, o.local), s.solved, s.runs, s.mean_return, s.min_return,
                 s.max_return, s.reached, s.runs, s.solved_at_start, s.runs,
                 steps_text(s.median_solve), s.mean_wall_seconds);
    fmt::print("\nsteps to solve = first curve point (every {} steps, {} greedy episodes) meeting "
               "the criterion ({})\n",
               o.eval_every, o.curve_episodes, runs.empty() ? "" : runs.front().final.criterion);
    if (paired)
      fmt::print("local vs frozen on the same seeds: solved earlier in {}, later in {}, same in {} "
                 "(never counts as last)\n",
                 earlier, later, same);
    fmt::print("\nper seed: final greedy return / steps to solve\n| seed |");
    for (Exp2Column c : o.columns) fmt::print(" {} |", to_string(c));
    std::string rule = "|---|";
    for (std::size_t c = 0; c < o.columns.size(); ++c) rule += "---|";
    fmt::print("\n{}\n", rule);
    for (int s = 0; s < o.seeds; ++s) {
      const std::uint64_t seed = o.first_seed + static_cast<std::uint64_t>(s);
      fmt::print("| {} |", seed);
      for (Exp2Column c : o.columns)
        for (const Exp2Run& r : runs)
          if (r.column == c && r.seed == seed)
            fmt::print(" {:.1f} / {} |", r.final.mean_return, steps_text(r.solve_step));
      fmt::print("\n");
    }
  }
  if (!in.csv.empty()) write_csv(in.csv, runs);
  if (!in.plot.empty()) write_plot(in.plot, runs, o.local, preset_name, o.columns, o.eval_every);
  return 0;
}

}  // namespace

void add_exp2(CLI::App& app, Command& chosen) {
  auto options = std::make_shared<Exp2Options>();
  Exp2Options& o = *options;
  auto* sub = app.add_subcommand(
      "exp2", "Experiment 2: local rule with all layers learning vs the frozen-hidden control vs "
              "ARS vs DDPG, over seeds");
  sub->add_option("--env", o.env, "environment (its preset is used unless --preset; default: "
                                   "the preset's, mountaincar without one)");
  sub->add_option("--preset", o.preset, "named settings (default: the environment's)");
  sub->add_option("--seeds", o.seeds, "number of seeds")->capture_default_str();
  sub->add_option("--seed", o.first_seed, "first seed")->capture_default_str();
  sub->add_option("--steps", o.steps, "steps per run (default: the preset's)");
  sub->add_option("--eval-every", o.eval_every, "steps between learning-curve evaluations (default: steps/20)");
  sub->add_option("--curve-episodes", o.curve_episodes, "greedy episodes per curve point")->capture_default_str();
  sub->add_option("--eval-episodes", o.eval_episodes, "greedy episodes of the final evaluation")->capture_default_str();
  sub->add_option("--jobs", o.jobs, "runs in parallel (0: cores)")->capture_default_str();
  sub->add_option("--columns", o.columns, "which of local,frozen,ars,ddpg to run")->capture_default_str();
  sub->add_option("--set", o.set, "KEY=VALUE local-rule setting over the preset (repeatable)");
  sub->add_option("--ddpg-set", o.ddpg_set, "KEY=VALUE DDPG setting over the preset's (repeatable)");
  sub->add_option("--ars-set", o.ars_set, "KEY=VALUE ARS setting over the preset's (repeatable)");
  sub->add_option("--csv", o.csv, "write every run (final return, steps to solve, curve) as CSV");
  sub->add_option("--plot", o.plot, "write the learning curves (PNG, or SVG by extension; gnuplot)");
  sub->add_flag("--json", o.json, "print one JSON object instead of tables");
  choose_when_parsed(*sub, chosen, [options] { return cmd_exp2(*options); });
}

}  // namespace coagent::cli
