// src/cli/exp1.cpp — `coagent exp1` (see exp1.hpp): runs Experiment 1 or the
// gradient-alignment probe for several seeds, one thread per seed, then prints the
// table (mean and 95% Student-t interval over seeds), writes CSV files and draws PNG
// plots with gnuplot (script on stdin, data inline; each picture is written to a temp
// file and renamed when gnuplot succeeded).
#include "cli/exp1.hpp"

#include "cli/gnuplot.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"

namespace coagent::cli {
namespace {

namespace fs = std::filesystem;

// --- formatting --------------------------------------------------------------------

std::string fixed(double v, int digits = 3) {
  return std::isfinite(v) ? fmt::format("{:+.{}f}", v, digits) : "nan";
}

std::string csv_num(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : "nan"; }

std::string interval(const MeanInterval& m) {
  if (m.n < 2 || !std::isfinite(m.half_width)) return "n/a";
  return fmt::format("[{}, {}]", fixed(m.low), fixed(m.high));
}

std::string layer_name(const std::vector<int>& widths, int l) {
  return fmt::format("{} ({}->{})", l + 1, widths[l], widths[l + 1]);
}

template <class T>
std::string join(const std::vector<T>& items, std::string_view sep) {
  std::string s;
  for (const auto& x : items) {
    if (!s.empty()) s += sep;
    s += fmt::format("{}", x);
  }
  return s;
}

std::string shape(const std::vector<int>& widths) { return join(widths, "-"); }

std::string seed_range(const Exp1Options& o) {
  return o.seeds == 1 ? fmt::format("seed {}", o.first_seed)
                      : fmt::format("seeds {}..{}", o.first_seed, o.first_seed + o.seeds - 1);
}

std::ofstream open_csv(const fs::path& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error(fmt::format("cannot write '{}'", path.string()));
  return f;
}

// --- gnuplot -------------------------------------------------------------------------

void plot_or_warn(bool enabled, const std::string& body, const fs::path& out, int width,
                  int height, std::vector<std::string>& written) {
  if (!enabled) return;
  try {
    render(still_terminal(false, width, height), body, out.string());
    written.push_back(out.string());
  } catch (const std::runtime_error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "coagent: warning: no plot: {} (the CSV files are written)\n", e.what());
  }
}

// --- seeds in parallel -----------------------------------------------------------------

// Runs work(i) for i in [0, n) on up to `jobs` threads; rethrows the first exception.
void for_each_parallel(int n, int jobs, const std::function<void(int)>& work) {
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        work(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::min(jobs, n); ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

int effective_jobs(const Exp1Options& o) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return o.jobs > 0 ? std::min(o.jobs, o.seeds) : std::min(cores, o.seeds);
}

// --- Experiment 1 ------------------------------------------------------------------------

struct SummaryRow {
  std::string measure;
  int phase = 1;
  int layer = 0;
  std::vector<double> per_seed;
  MeanInterval m;
  MeanInterval same_sign;  // fraction of differences with the same sign
};

std::vector<SummaryRow> exp1_summary(const std::vector<Exp1SeedResult>& runs, int layers) {
  std::vector<SummaryRow> rows;
  for (int kind = 0; kind < 2; ++kind)
    for (int phase = 1; phase <= 2; ++phase)
      for (int l = 0; l < layers; ++l) {
        SummaryRow row{.measure = kind == 0 ? "trajectory" : "training", .phase = phase, .layer = l};
        std::vector<double> same;
        for (const auto& r : runs) {
          row.per_seed.push_back(kind == 0 ? r.r_trajectory[phase - 1][l]
                                           : r.r_training[phase - 1][l]);
          same.push_back(kind == 0 ? r.same_sign_trajectory[phase - 1][l]
                                   : r.same_sign_training[phase - 1][l]);
        }
        row.m = mean_interval(row.per_seed);
        row.same_sign = mean_interval(same);
        rows.push_back(std::move(row));
      }
  return rows;
}

void print_exp1_table(const Exp1Options& o, const std::vector<Exp1SeedResult>& runs,
                      const std::vector<SummaryRow>& rows, double wall) {
  const auto& widths = runs.front().actor_widths;
  const Exp1Config& c = o.exp1;
  fmt::print("\nExperiment 1 (paper §4.1/§5.1): {}, DDPG actor {}, critic {}, sub-critics {} per layer\n",
             o.env, shape(widths), join(c.ddpg.critic_hidden, "-"),
             join(c.sub_critic_hidden, "-"));
  fmt::print("{}, phase 1: {} steps (mu, Q^mu, Q^l), phase 2: {} steps (fresh mu', trained Q^mu, "
             "fresh Q^l), checkpoints every {} steps on {} probe states\n",
             seed_range(o), c.phase1_steps, c.phase2_steps, c.checkpoint_every, c.probe_states);
  fmt::print("Pearson r between dQ_global/dt and dQ_local/dt per actor layer; mean over seeds and "
             "95% CI ({})\n",
             runs.size() < 2 ? std::string("needs 2 or more seeds")
                             : fmt::format("Student t, {} dof", runs.size() - 1));
  fmt::print("  trajectory: step-to-step changes along {} greedy episode(s) at the end of the phase\n"
             "  training:   changes of the probe-set mean Q between consecutive checkpoints\n"
             "  same sign:  fraction of those changes where global and local move the same way "
             "(mean over seeds)\n\n",
             c.eval_episodes);
  fmt::print("{:<11} {:>5}  {:<13} {:>7}  {:<18}  {:<22} {:>9}  {:>7}\n", "measure", "phase",
             "layer", "mean r", "95% CI", "r per seed", "same sign", "paper r");
  for (const auto& row : rows) {
    std::string seeds;
    for (double v : row.per_seed) seeds += fmt::format("{}{}", seeds.empty() ? "" : " ", fixed(v, 2));
    fmt::print("{:<11} {:>5}  {:<13} {:>7}  {:<18}  {:<22} {:>9}  {:>7.3f}\n", row.measure,
               row.phase, layer_name(widths, row.layer), fixed(row.m.mean), interval(row.m), seeds,
               fixed(row.same_sign.mean, 2), kPaperExp1R);
  }
  fmt::print("\nper seed: greedy return after phase 1 / after phase 2, differences pooled "
             "(trajectory), wall time\n");
  for (const auto& r : runs)
    fmt::print("  seed {:<4} {:>9.2f} / {:>9.2f}   {:>6} / {:<6}  {:>7.1f} s\n", r.seed,
               r.eval_return[0], r.eval_return[1], r.trajectory_points[0], r.trajectory_points[1],
               r.wall_seconds);
  fmt::print("wall time {:.1f} s ({} seed(s) on {} thread(s))\n", wall, runs.size(),
             effective_jobs(o));
}

void write_exp1_files(const Exp1Options& o, const std::vector<Exp1SeedResult>& runs,
                      const std::vector<SummaryRow>& rows, std::vector<std::string>& written) {
  const fs::path dir(o.out);
  const auto& widths = runs.front().actor_widths;
  const int layers = static_cast<int>(widths.size()) - 1;
  {
    const fs::path p = dir / "exp1_checkpoints.csv";
    auto f = open_csv(p);
    f << "seed,phase,step,global_q";
    for (int l = 0; l < layers; ++l) f << ",local_q_layer" << l + 1;
    f << "\n";
    for (const auto& r : runs)
      for (const auto& c : r.checkpoints) {
        f << r.seed << ',' << c.phase << ',' << c.step << ',' << csv_num(c.global_q);
        for (double q : c.local_q) f << ',' << csv_num(q);
        f << "\n";
      }
    written.push_back(p.string());
  }
  {
    const fs::path p = dir / "exp1_seeds.csv";
    auto f = open_csv(p);
    f << "seed,layer,fan_in,width,r_trajectory_phase1,r_trajectory_phase2,r_training_phase1,"
         "r_training_phase2,same_sign_trajectory_phase1,same_sign_trajectory_phase2,"
         "same_sign_training_phase1,same_sign_training_phase2,trajectory_points_phase1,"
         "trajectory_points_phase2,eval_return_phase1,eval_return_phase2,wall_seconds\n";
    for (const auto& r : runs)
      for (int l = 0; l < layers; ++l)
        f << r.seed << ',' << l + 1 << ',' << widths[l] << ',' << widths[l + 1] << ','
          << csv_num(r.r_trajectory[0][l]) << ',' << csv_num(r.r_trajectory[1][l]) << ','
          << csv_num(r.r_training[0][l]) << ',' << csv_num(r.r_training[1][l]) << ','
          << csv_num(r.same_sign_trajectory[0][l]) << ',' << csv_num(r.same_sign_trajectory[1][l])
          << ',' << csv_num(r.same_sign_training[0][l]) << ','
          << csv_num(r.same_sign_training[1][l]) << ',' << r.trajectory_points[0] << ',' << r.trajectory_points[1] << ','
          << csv_num(r.eval_return[0]) << ',' << csv_num(r.eval_return[1]) << ','
          << csv_num(r.wall_seconds) << "\n";
    written.push_back(p.string());
  }
  {
    const fs::path p = dir / "exp1_summary.csv";
    auto f = open_csv(p);
    f << "env,measure,phase,layer,fan_in,width,seeds,mean_r,ci95_low,ci95_high,same_sign,paper_r\n";
    for (const auto& row : rows)
      f << o.env << ',' << row.measure << ',' << row.phase << ',' << row.layer + 1 << ','
        << widths[row.layer] << ',' << widths[row.layer + 1] << ',' << row.m.n << ','
        << csv_num(row.m.mean) << ',' << csv_num(row.m.low) << ',' << csv_num(row.m.high) << ','
        << csv_num(row.same_sign.mean) << ',' << kPaperExp1R << "\n";
    written.push_back(p.string());
  }
  // Figure 1a's spirit: global and local Q over phase-2 training, one picture per seed.
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f"};
  for (const auto& r : runs) {
    std::string data = "$q << EOD\n";
    for (const auto& c : r.checkpoints) {
      if (c.phase != 2) continue;
      data += fmt::format("{} {}", c.step, csv_num(c.global_q));
      for (double q : c.local_q) data += fmt::format(" {}", csv_num(q));
      data += "\n";
    }
    data += "EOD\n";
    std::string body = data;
    body += fmt::format(
        "set title {}\n"
        "set xlabel 'phase-2 training step (environment steps since the fresh actor)'\n"
        "set ylabel 'global Q^mu(s, mu(s)): mean over {} probe states (return)'\n"
        "set y2label 'local Q^l(v_l-1, v_l): mean over the probe states (return)'\n"
        "set ytics nomirror\nset y2tics\nset grid\nset key below horizontal\n",
        gp_quote(fmt::format("Experiment 1, phase 2: {}, seed {}, actor {}  (r along training per "
                             "layer: {})",
                             r.env, r.seed, shape(widths),
                             [&] {
                               std::string s;
                               for (int l = 0; l < layers; ++l)
                                 s += fmt::format("{}{}", l ? ", " : "", fixed(r.r_training[1][l], 2));
                               return s;
                             }())),
        o.exp1.probe_states);
    body += "plot $q using 1:2 axes x1y1 with linespoints lw 3 pt 7 ps 0.6 lc rgb '#000000' "
            "title 'global Q^mu (left axis)'";
    for (int l = 0; l < layers; ++l)
      body += fmt::format(", $q using 1:{} axes x1y2 with linespoints lw 2 pt 5 ps 0.4 lc rgb '{}' "
                          "title {}",
                          l + 3, kColors[l % 8],
                          gp_quote(fmt::format("layer {} Q^{} (right axis)", layer_name(widths, l),
                                               l + 1)));
    body += "\n";
    plot_or_warn(!o.no_plot, body, dir / fmt::format("exp1_q_seed{}.png", r.seed), 1000, 620, written);
  }
}

int run_exp1_command(const Exp1Options& o) {
  std::vector<Exp1SeedResult> runs(static_cast<std::size_t>(o.seeds));
  std::mutex print_mutex;
  const auto t0 = std::chrono::steady_clock::now();
  fmt::print("exp1: DDPG + sub-critics on {}, {} on {} thread(s), phase 1 {} + phase 2 {} steps "
             "per seed\n",
             o.env, seed_range(o), effective_jobs(o), o.exp1.phase1_steps, o.exp1.phase2_steps);
  std::fflush(stdout);
  for_each_parallel(o.seeds, effective_jobs(o), [&](int i) {
    runs[i] = run_exp1_seed(o.exp1, o.first_seed + static_cast<std::uint64_t>(i));
    std::lock_guard lock(print_mutex);
    fmt::print("  seed {} done in {:.1f} s\n", runs[i].seed, runs[i].wall_seconds);
    std::fflush(stdout);
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int layers = static_cast<int>(runs.front().actor_widths.size()) - 1;
  const auto rows = exp1_summary(runs, layers);
  print_exp1_table(o, runs, rows, wall);
  std::vector<std::string> written;
  write_exp1_files(o, runs, rows, written);
  fmt::print("wrote {}\n", join(written, ", "));
  return 0;
}

// --- the gradient-alignment probe --------------------------------------------------------

struct ProbeSummary {
  Rule rule = Rule::linear;
  int layer = 0;
  MeanInterval cos_final, cos_mean, sign_final, sign_mean, signal_final;
};

// Per seed, the value at the last comparison and the mean over comparisons after
// DDPG's warm-up (step > learning_starts; all comparisons if none is).
std::vector<ProbeSummary> probe_summary(const Exp1Options& o,
                                        const std::vector<ProbeSeedResult>& runs, int layers) {
  std::vector<ProbeSummary> out;
  for (Rule rule : {Rule::linear, Rule::compatible})
    for (int l = 0; l < layers; ++l) {
      std::vector<double> cf, cm, sf, sm, gf;
      for (const auto& r : runs) {
        std::vector<const ProbePoint*> pts;
        for (const auto& p : r.points)
          if (p.rule == rule && p.layer == l) pts.push_back(&p);
        if (pts.empty()) continue;
        cf.push_back(pts.back()->cosine);
        sf.push_back(pts.back()->sign_agreement);
        gf.push_back(pts.back()->signal_fraction);
        const std::int64_t warm_up = o.probe_cfg.ddpg.learning_starts;
        std::vector<double> cos_after, sign_after;
        for (const auto* p : pts) {
          if (p->step <= warm_up && pts.back()->step > warm_up) continue;
          cos_after.push_back(p->cosine);
          sign_after.push_back(p->sign_agreement);
        }
        cm.push_back(mean_interval(cos_after).mean);  // mean of the finite values
        sm.push_back(mean_interval(sign_after).mean);
      }
      out.push_back({.rule = rule, .layer = l, .cos_final = mean_interval(cf),
                     .cos_mean = mean_interval(cm), .sign_final = mean_interval(sf),
                     .sign_mean = mean_interval(sm), .signal_final = mean_interval(gf)});
    }
  return out;
}

std::string rule_name(Rule r) { return r == Rule::linear ? "linear" : "compatible"; }

void print_probe_table(const Exp1Options& o, const std::vector<ProbeSeedResult>& runs,
                       const std::vector<ProbeSummary>& rows, double wall) {
  const auto& widths = runs.front().actor_widths;
  const ProbeConfig& c = o.probe_cfg;
  fmt::print("\nGradient-alignment probe (Theorem 2.2.4): {}, DDPG actor {}, critic {}, {}\n", o.env,
             shape(widths), join(c.ddpg.critic_hidden, "-"), seed_range(o));
  fmt::print("{} steps, comparisons every {} steps on {} probe states; local critics: alpha_critic "
             "{}, alpha_value {}, hidden exploration {}\n",
             c.steps, c.every, c.probe_states, c.alpha_critic, c.alpha_value,
             c.hidden_noise > 0 ? fmt::format("N(0, {}^2) on hidden activations", c.hidden_noise)
                                : std::string("none (hidden xi = 0)"));
  fmt::print("  cos:    mean over neurons of cos(mean_s grad_[K;b] Q^mu, mean_s local step direction)"
             " (no signal counts 0)\n"
             "  sign:   fraction of (neuron, state) pairs where local direction . true gradient > 0"
             " (both non-zero; chance 0.5)\n"
             "  signal: fraction of neurons whose local direction is non-zero\n"
             "  final = last comparison; mean = over comparisons after the {}-step warm-up; mean "
             "and 95% CI over seeds\n\n",
             c.ddpg.learning_starts);
  fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>7} {:>7} {:>7}\n", "rule", "layer",
             "cos fin", "95% CI", "cos avg", "95% CI", "sign fin", "sign avg", "signal");
  for (const auto& row : rows) {
    if (row.signal_final.mean == 0.0 && row.cos_mean.mean == 0.0) {
      // Not a measured zero: the local critic never learned (xi = 0 for these neurons).
      fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>8} {:>8} {:>7}\n",
                 rule_name(row.rule), layer_name(widths, row.layer), "-", "no signal (xi = 0)",
                 "-", "", "-", "-", fixed(row.signal_final.mean, 2));
      continue;
    }
    fmt::print("{:<10} {:<13} {:>7} {:<18} {:>7} {:<18} {:>8} {:>8} {:>7}\n", rule_name(row.rule),
               layer_name(widths, row.layer), fixed(row.cos_final.mean), interval(row.cos_final),
               fixed(row.cos_mean.mean), interval(row.cos_mean), fixed(row.sign_final.mean),
               fixed(row.sign_mean.mean), fixed(row.signal_final.mean, 2));
  }
  fmt::print("\nper seed: greedy return at the end, wall time\n");
  for (const auto& r : runs)
    fmt::print("  seed {:<4} {:>9.2f}  {:>7.1f} s\n", r.seed, r.eval_return, r.wall_seconds);
  fmt::print("wall time {:.1f} s ({} seed(s) on {} thread(s))\n", wall, runs.size(),
             effective_jobs(o));
}

void write_probe_files(const Exp1Options& o, const std::vector<ProbeSeedResult>& runs,
                       const std::vector<ProbeSummary>& rows, std::vector<std::string>& written) {
  const fs::path dir(o.out);
  const auto& widths = runs.front().actor_widths;
  const int layers = static_cast<int>(widths.size()) - 1;
  {
    const fs::path p = dir / "probe_points.csv";
    auto f = open_csv(p);
    f << "seed,step,rule,layer,fan_in,width,cosine,sign_agreement,signal_fraction,neurons\n";
    for (const auto& r : runs)
      for (const auto& pt : r.points)
        f << r.seed << ',' << pt.step << ',' << rule_name(pt.rule) << ',' << pt.layer + 1 << ','
          << widths[pt.layer] << ',' << widths[pt.layer + 1] << ',' << csv_num(pt.cosine) << ','
          << csv_num(pt.sign_agreement) << ',' << csv_num(pt.signal_fraction) << ','
          << pt.neurons << "\n";
    written.push_back(p.string());
  }
  {
    const fs::path p = dir / "probe_summary.csv";
    auto f = open_csv(p);
    f << "env,rule,layer,fan_in,width,seeds,cos_final,cos_final_ci95_low,cos_final_ci95_high,"
         "cos_mean,cos_mean_ci95_low,cos_mean_ci95_high,sign_final,sign_mean,signal_final\n";
    for (const auto& row : rows)
      f << o.env << ',' << rule_name(row.rule) << ',' << row.layer + 1 << ','
        << widths[row.layer] << ',' << widths[row.layer + 1] << ',' << row.cos_final.n << ','
        << csv_num(row.cos_final.mean) << ',' << csv_num(row.cos_final.low) << ','
        << csv_num(row.cos_final.high) << ',' << csv_num(row.cos_mean.mean) << ','
        << csv_num(row.cos_mean.low) << ',' << csv_num(row.cos_mean.high) << ','
        << csv_num(row.sign_final.mean) << ',' << csv_num(row.sign_mean.mean) << ','
        << csv_num(row.signal_final.mean) << "\n";
    written.push_back(p.string());
  }
  // Mean over seeds at each comparison step, per rule and layer: cosine (top) and sign
  // agreement (bottom).
  std::vector<std::int64_t> steps;
  for (const auto& pt : runs.front().points)
    if (steps.empty() || steps.back() != pt.step) steps.push_back(pt.step);
  std::string data = "$p << EOD\n";
  for (std::size_t k = 0; k < steps.size(); ++k) {
    data += fmt::format("{}", steps[k]);
    for (int metric = 0; metric < 2; ++metric)
      for (Rule rule : {Rule::linear, Rule::compatible})
        for (int l = 0; l < layers; ++l) {
          std::vector<double> v;
          for (const auto& r : runs)
            for (const auto& pt : r.points)
              if (pt.step == steps[k] && pt.rule == rule && pt.layer == l)
                v.push_back(metric == 0 ? pt.cosine : pt.sign_agreement);
          data += fmt::format(" {}", csv_num(mean_interval(v).mean));
        }
    data += "\n";
  }
  data += "EOD\n";
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f"};
  auto curves = [&](int metric) {
    std::string s;
    int col = 2 + metric * 2 * layers;
    for (Rule rule : {Rule::linear, Rule::compatible})
      for (int l = 0; l < layers; ++l, ++col)
        s += fmt::format("{}$p using 1:{} with linespoints lw 2 pt {} ps 0.5 dt {} lc rgb '{}' title {}",
                         s.empty() ? "" : ", ", col, rule == Rule::linear ? 7 : 4,
                         rule == Rule::linear ? 1 : 2, kColors[l % 8],
                         gp_quote(fmt::format("{}, layer {}", rule_name(rule),
                                              layer_name(widths, l))));
    return s;
  };
  std::string body = data;
  body += fmt::format(
      "set multiplot layout 2,1 title {}\n"
      "set grid\nset key outside right top vertical\nset xlabel 'training step (environment steps)'\n"
      "set ylabel 'cosine(true grad, local direction)'\nset yrange [-1:1]\n"
      "plot {}, 0 with lines lc rgb '#999999' notitle\n"
      "set ylabel 'sign agreement'\nset yrange [0:1]\n"
      "plot {}, 0.5 with lines lc rgb '#999999' dt 3 title 'chance'\n"
      "unset multiplot\n",
      gp_quote(fmt::format("Gradient-alignment probe (Theorem 2.2.4): {}, actor {}, {} (mean over "
                           "seeds); solid: linear, dashed: compatible (plain step)",
                           o.env, shape(widths), seed_range(o))),
      curves(0), curves(1));
  plot_or_warn(!o.no_plot, body, dir / "probe_alignment.png", 1200, 800, written);
}

int run_probe_command(const Exp1Options& o) {
  std::vector<ProbeSeedResult> runs(static_cast<std::size_t>(o.seeds));
  std::mutex print_mutex;
  const auto t0 = std::chrono::steady_clock::now();
  fmt::print("exp1 --probe: DDPG on {}, {} on {} thread(s), {} steps per seed\n", o.env,
             seed_range(o), effective_jobs(o), o.probe_cfg.steps);
  std::fflush(stdout);
  for_each_parallel(o.seeds, effective_jobs(o), [&](int i) {
    runs[i] = run_gradient_probe(o.probe_cfg, o.first_seed + static_cast<std::uint64_t>(i));
    std::lock_guard lock(print_mutex);
    fmt::print("  seed {} done in {:.1f} s\n", runs[i].seed, runs[i].wall_seconds);
    std::fflush(stdout);
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int layers = static_cast<int>(runs.front().actor_widths.size()) - 1;
  const auto rows = probe_summary(o, runs, layers);
  print_probe_table(o, runs, rows, wall);
  std::vector<std::string> written;
  write_probe_files(o, runs, rows, written);
  fmt::print("wrote {}\n", join(written, ", "));
  return 0;
}

}  // namespace

CLI::App* add_exp1_command(CLI::App& app, Exp1Options& o) {
  auto* sub = app.add_subcommand(
      "exp1", "Experiment 1: do per-layer sub-critics track DDPG's critic? (--probe: gradient "
              "alignment of the local rules, Theorem 2.2.4)");
  const Exp1Config e;
  const ProbeConfig p;
  sub->add_option("--env", o.env, "environment")->default_str(e.env);
  sub->add_option("--seeds", o.seeds, "number of seeds")->default_str("3");
  // CLI11 would read "-1" into the unsigned seed as 2^64 - 1.
  sub->add_option("--seed", o.first_seed, "first seed")
      ->default_str("1")
      ->check(CLI::Validator(
          [](std::string& s) {
            try {
              const std::int64_t v = parse_int(s, "--seed");
              return v >= 0 ? std::string() : fmt::format("{} is negative", v);
            } catch (const std::invalid_argument& err) {
              return std::string(err.what());
            }
          },
          "SEED"));
  sub->add_option("--out", o.out, "output directory for CSV files and plots (created)")
      ->default_str("exp1-out");
  sub->add_flag("--probe", o.probe, "run the gradient-alignment probe instead of Experiment 1");
  sub->add_option("--jobs", o.jobs, "seeds run in parallel (0: min(seeds, cores))")->default_str("0");
  sub->add_flag("--no-plot", o.no_plot, "skip the PNG plots");
  sub->add_option("--phase1-steps", o.exp1.phase1_steps, "phase 1: DDPG + sub-critics")
      ->default_str(std::to_string(e.phase1_steps));
  sub->add_option("--phase2-steps", o.exp1.phase2_steps,
                  "phase 2: fresh actor, trained critic, fresh sub-critics")
      ->default_str(std::to_string(e.phase2_steps));
  sub->add_option("--checkpoint-every", o.exp1.checkpoint_every,
                  "steps between probe-set checkpoints (training r)")
      ->default_str(std::to_string(e.checkpoint_every));
  sub->add_option("--probe-states", o.exp1.probe_states,
                  "states from random-policy rollouts where Q is measured")
      ->default_str(std::to_string(e.probe_states));
  sub->add_option("--eval-episodes", o.exp1.eval_episodes,
                  "greedy episodes per phase end (trajectory r; probe: final return)")
      ->default_str(std::to_string(e.eval_episodes));
  sub->add_option("--sub-critic-hidden", o.exp1.sub_critic_hidden,
                  "sub-critic hidden widths, comma separated")
      ->delimiter(',')
      ->default_str("64,64");
  sub->add_option("--sub-critic-lr", o.exp1.sub_critic_lr, "sub-critic Adam step size")
      ->default_str(fmt::format("{}", e.sub_critic_lr));
  sub->add_option("--probe-steps", o.probe_cfg.steps, "--probe: DDPG training steps")
      ->default_str(std::to_string(p.steps));
  sub->add_option("--probe-every", o.probe_cfg.every, "--probe: steps between comparisons")
      ->default_str(std::to_string(p.every));
  sub->add_option("--probe-alpha-critic", o.probe_cfg.alpha_critic,
                  "--probe: local critics' step size (linear: all; compatible: w)")
      ->default_str(fmt::format("{}", p.alpha_critic));
  sub->add_option("--probe-alpha-value", o.probe_cfg.alpha_value,
                  "--probe: compatible rule's value step size (u)")
      ->default_str(fmt::format("{}", p.alpha_value));
  sub->add_option("--probe-hidden-noise", o.probe_cfg.hidden_noise,
                  "--probe: std of a perturbation of hidden activations when acting (0: none; "
                  "it also changes the actions taken)")
      ->default_str(fmt::format("{}", p.hidden_noise));
  for (const auto& [key, value] : ddpg_config_entries(exp1_default_ddpg())) {
    const std::string k = key;
    sub->add_option_function<std::string>(
           "--ddpg-" + k, [&o, k](const std::string& v) { o.ddpg_settings[k] = v; }, "DDPG: " + k)
        ->default_str(value);
  }
  return sub;
}

int cmd_exp1(const Exp1Options& given) {
  Exp1Options o = given;
  if (o.seeds < 1 || o.seeds > 1000)
    throw std::invalid_argument(fmt::format("--seeds: {} is out of range [1, 1000]", o.seeds));
  if (o.jobs < 0 || o.jobs > 1024)
    throw std::invalid_argument(fmt::format("--jobs: {} is out of range [0, 1024]", o.jobs));
  make_env(o.env);  // throws naming the known environments
  DdpgConfig ddpg = exp1_default_ddpg();
  for (const auto& [key, value] : o.ddpg_settings) set_ddpg_config_entry(ddpg, key, value);
  o.exp1.env = o.probe_cfg.env = o.env;
  o.exp1.ddpg = o.probe_cfg.ddpg = ddpg;
  o.probe_cfg.probe_states = o.exp1.probe_states;
  o.probe_cfg.eval_episodes = o.exp1.eval_episodes;
  if (o.probe)
    o.probe_cfg.validate();
  else
    o.exp1.validate();
  if (o.out.empty()) throw std::invalid_argument("--out: empty directory name");
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (!fs::is_directory(o.out))
    throw std::invalid_argument(fmt::format("--out: cannot create directory '{}'{}", o.out,
                                            ec ? ": " + ec.message() : ""));
  if (::access(o.out.c_str(), W_OK) != 0)
    throw std::invalid_argument(fmt::format("--out: directory '{}' is not writable", o.out));
  return o.probe ? run_probe_command(o) : run_exp1_command(o);
}

}  // namespace coagent::cli
