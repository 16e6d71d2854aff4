// src/cli/exp1_files.cpp — what `coagent exp1` writes under --out: the CSV files and
// the PNG plots (gnuplot, through the library's writer) of Experiment 1 and the
// gradient-alignment probe (see exp1_report.hpp).
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "cli/exp1_report.hpp"
#include "cli/gnuplot.hpp"

namespace coagent::cli {
namespace {

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

std::ofstream open_csv(const fs::path& path) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error(fmt::format("cannot write '{}'", path.string()));
  return f;
}

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

}  // namespace

std::string fixed(double v, int digits) {
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

std::string shape(const std::vector<int>& widths) { return join(widths, "-"); }

std::string seed_range(const Exp1Options& o) {
  return o.seeds == 1 ? fmt::format("seed {}", o.first_seed)
                      : fmt::format("seeds {}..{}", o.first_seed, o.first_seed + o.seeds - 1);
}

std::string rule_name(Rule r) { return r == Rule::linear ? "linear" : "compatible"; }

void write_exp1_files(const Exp1Options& o, const std::vector<Exp1SeedResult>& runs,
                      const std::vector<Exp1SummaryRow>& rows, std::vector<std::string>& written) {
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

void write_probe_files(const Exp1Options& o, const std::vector<ProbeSeedResult>& runs,
                       const std::vector<ProbeSummaryRow>& rows, std::vector<std::string>& written) {
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
  std::string data = "$p << EOD\n";
  for (const ProbeStepMeans& m : probe_means_by_step(runs)) {
    data += fmt::format("{}", m.step);
    for (double v : m.cosine) data += fmt::format(" {}", csv_num(v));
    for (double v : m.sign_agreement) data += fmt::format(" {}", csv_num(v));
    data += "\n";
  }
  data += "EOD\n";
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

}  // namespace coagent::cli
