// src/experiments/stats.cpp — Pearson's r, Student's t quantiles and confidence
// intervals of a mean, and the summaries over seeds of Experiment 1 and the
// gradient-alignment probe built from them (see coagent/experiments.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "coagent/experiments.hpp"

namespace coagent {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The continued fraction of the incomplete beta function (modified Lentz).
double beta_continued_fraction(double a, double b, double x) noexcept {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-15;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 1000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

// The regularised incomplete beta function I_x(a, b), 0 <= x <= 1.
double incomplete_beta(double a, double b, double x) noexcept {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

// P(T <= t) for Student's t with `dof` degrees of freedom.
double student_t_cdf(double t, int dof) noexcept {
  const double v = dof;
  const double tail = 0.5 * incomplete_beta(0.5 * v, 0.5, v / (v + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

}  // namespace

double pearson_r(std::span<const double> x, std::span<const double> y) noexcept {
  if (x.size() != y.size() || x.size() < 2) return kNaN;
  const double n = static_cast<double>(x.size());
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) return kNaN;
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0.0) || !(syy > 0.0)) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

double sign_agreement(std::span<const double> x, std::span<const double> y) noexcept {
  if (x.size() != y.size()) return kNaN;
  std::size_t counted = 0, same = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] != 0.0) || !(y[i] != 0.0) || !std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
    ++counted;
    if ((x[i] > 0.0) == (y[i] > 0.0)) ++same;
  }
  return counted == 0 ? kNaN : static_cast<double>(same) / static_cast<double>(counted);
}

std::vector<double> successive_differences(std::span<const double> x) {
  std::vector<double> d;
  if (x.size() < 2) return d;
  d.reserve(x.size() - 1);
  for (std::size_t i = 0; i + 1 < x.size(); ++i) d.push_back(x[i + 1] - x[i]);
  return d;
}

double student_t_quantile(double p, int dof) {
  if (!(p > 0.0 && p < 1.0))
    throw std::invalid_argument("student_t_quantile: p = " + std::to_string(p) +
                                " is out of range, expected 0 < p < 1");
  if (dof < 1)
    throw std::invalid_argument("student_t_quantile: dof = " + std::to_string(dof) +
                                " is out of range, expected at least 1");
  if (p == 0.5) return 0.0;
  if (p < 0.5) return -student_t_quantile(1.0 - p, dof);
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf(hi, dof) < p && hi < 1e300) hi *= 2.0;
  for (int i = 0; i < 400 && hi - lo > 1e-12 * std::max(1.0, hi); ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, dof) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

MeanInterval mean_interval(std::span<const double> values, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("mean_interval: confidence " + std::to_string(confidence) +
                                " is out of range, expected 0 < c < 1");
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  MeanInterval m;
  m.n = static_cast<int>(v.size());
  if (v.empty()) {
    m.mean = m.half_width = m.low = m.high = kNaN;
    return m;
  }
  double sum = 0.0;
  for (double x : v) sum += x;
  m.mean = sum / m.n;
  if (m.n < 2) {
    m.half_width = kNaN;
    m.low = m.high = m.mean;
    return m;
  }
  double ss = 0.0;
  for (double x : v) ss += (x - m.mean) * (x - m.mean);
  const double sd = std::sqrt(ss / (m.n - 1));
  m.half_width = student_t_quantile(0.5 * (1.0 + confidence), m.n - 1) * sd / std::sqrt(m.n);
  m.low = m.mean - m.half_width;
  m.high = m.mean + m.half_width;
  return m;
}

std::vector<Exp1SummaryRow> summarise_exp1(const std::vector<Exp1SeedResult>& runs) {
  std::vector<Exp1SummaryRow> rows;
  if (runs.empty()) return rows;
  const int layers = static_cast<int>(runs.front().actor_widths.size()) - 1;
  for (int kind = 0; kind < 2; ++kind)
    for (int phase = 1; phase <= 2; ++phase)
      for (int l = 0; l < layers; ++l) {
        Exp1SummaryRow row{.measure = kind == 0 ? "trajectory" : "training", .phase = phase, .layer = l};
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

std::vector<ProbeSummaryRow> summarise_probe(const std::vector<ProbeSeedResult>& runs,
                                             std::int64_t warm_up) {
  std::vector<ProbeSummaryRow> out;
  if (runs.empty()) return out;
  const int layers = static_cast<int>(runs.front().actor_widths.size()) - 1;
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

std::vector<ProbeStepMeans> probe_means_by_step(const std::vector<ProbeSeedResult>& runs) {
  std::vector<ProbeStepMeans> out;
  if (runs.empty()) return out;
  const int layers = static_cast<int>(runs.front().actor_widths.size()) - 1;
  for (const auto& pt : runs.front().points)
    if (out.empty() || out.back().step != pt.step) out.push_back({.step = pt.step});
  for (ProbeStepMeans& m : out)
    for (int metric = 0; metric < 2; ++metric)
      for (Rule rule : {Rule::linear, Rule::compatible})
        for (int l = 0; l < layers; ++l) {
          std::vector<double> v;
          for (const auto& r : runs)
            for (const auto& pt : r.points)
              if (pt.step == m.step && pt.rule == rule && pt.layer == l)
                v.push_back(metric == 0 ? pt.cosine : pt.sign_agreement);
          (metric == 0 ? m.cosine : m.sign_agreement).push_back(mean_interval(v).mean);
        }
  return out;
}

}  // namespace coagent
