// src/experiments/exp2.cpp — presets and the Experiment 2 grid (coagent/exp2.hpp).
#include "coagent/exp2.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/session.hpp"

#include "experiments/parallel.hpp"
#include "settings/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace coagent {

std::string_view to_string(Exp2Column c) noexcept {
  static constexpr settings::Named<Exp2Column> kNames[] = {
      {Exp2Column::local, "local"}, {Exp2Column::frozen, "frozen"}, {Exp2Column::ddpg, "ddpg"},
      {Exp2Column::ars, "ars"}};
  return settings::name_of(c, kNames);
}

Exp2Column parse_exp2_column(std::string_view s) {
  return settings::parse_choice(s, "column",
                                {Exp2Column::local, Exp2Column::frozen, Exp2Column::ars,
                                 Exp2Column::ddpg});
}

TrainConfig frozen_control(TrainConfig cfg) {
  const int layers = static_cast<int>(cfg.hidden.size()) + 1;
  std::vector<double> scales = cfg.noise_scale;
  if (scales.empty()) scales = {kOutputNoiseDefault};  // hidden default is 0 already
  if (scales.size() == 1) scales.assign(static_cast<std::size_t>(layers), scales[0]);
  if (scales.size() == 2 && layers > 2)  // hidden,output (the 2-value per-layer form)
    scales.insert(scales.begin(), static_cast<std::size_t>(layers - 2), scales[0]);
  for (int l = 0; l + 1 < layers; ++l) scales[static_cast<std::size_t>(l)] = 0.0;
  if (layers == 1) scales.resize(1);
  cfg.noise_scale = scales;
  cfg.freeze_hidden = true;
  // Frozen hidden layers have nothing to explore for: the output explores in every
  // episode (the stronger control; with the episode schedule it would sit out some).
  cfg.explore_schedule = ExploreSchedule::all;
  return cfg;
}

namespace {

bool meets(const EvalResult& r) { return r.solved; }

// Curve points use their own evaluation seeds, disjoint from the final one.
std::uint64_t curve_seed(std::uint64_t seed, std::int64_t step) {
  return Trainer::default_eval_seed(seed) + 1000000 + static_cast<std::uint64_t>(step);
}

}  // namespace

Exp2Run run_exp2_cell(const Exp2Options& o, Exp2Column column, std::uint64_t seed) {
  Exp2Run run;
  run.column = column;
  run.seed = seed;
  const auto t0 = std::chrono::steady_clock::now();
  auto point = [&](std::int64_t step, const EvalResult& r) {
    run.curve.emplace_back(step, r.mean_return);
    if (run.solve_step < 0 && meets(r)) run.solve_step = step;
  };
  try {
    std::unique_ptr<Learner> learner;
    if (column == Exp2Column::ddpg) {
      TrainConfig shared = o.local;
      shared.algo = Algo::ddpg;
      shared.seed = seed;
      learner = std::make_unique<DdpgLearner>(shared, o.ddpg);
    } else if (column == Exp2Column::ars) {
      TrainConfig shared = o.local;
      shared.algo = Algo::ars;
      shared.seed = seed;
      shared.threads = 1;
      learner = std::make_unique<ArsLearner>(shared, o.ars);
    } else {
      TrainConfig cfg = column == Exp2Column::frozen ? frozen_control(o.local) : o.local;
      cfg.seed = seed;
      cfg.mode = Mode::lockstep;
      cfg.threads = 1;
      learner = std::make_unique<Trainer>(cfg);
    }
    point(0, learner->evaluate(o.curve_episodes, curve_seed(seed, 0)));  // before training
    SessionOptions session;
    session.eval_every = o.eval_every;
    session.on_eval = [&](std::int64_t step, const Learner& l) {
      point(step, l.evaluate(o.curve_episodes, curve_seed(seed, step)));
    };
    run_session(*learner, session);
    run.final = learner->evaluate(o.eval_episodes, default_eval_seed(seed));
  } catch (const DivergenceError& e) {
    run.final = EvalResult{};
    run.final.mean_return = -std::numeric_limits<double>::infinity();
    run.final.solved = false;
    run.final.criterion = e.what();
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

std::vector<Exp2Run> run_exp2(const Exp2Options& o,
                              const std::function<void(const Exp2Run&)>& on_done) {
  if (o.seeds < 1) throw std::invalid_argument(fmt::format("seeds: {} must be at least 1", o.seeds));
  if (o.eval_every < 1)
    throw std::invalid_argument(fmt::format("eval-every: {} must be at least 1", o.eval_every));
  if (o.jobs < 1) throw std::invalid_argument(fmt::format("jobs: {} must be at least 1", o.jobs));
  o.local.validate();
  o.ddpg.validate();
  o.ars.validate();
  struct Cell {
    Exp2Column column;
    std::uint64_t seed;
  };
  std::vector<Cell> cells;
  // DDPG cells first: they are the longest, so the pool's tail is short.
  std::vector<Exp2Column> order = o.columns;
  std::stable_sort(order.begin(), order.end(), [](Exp2Column a, Exp2Column b) {
    return (a == Exp2Column::ddpg) > (b == Exp2Column::ddpg);
  });
  for (Exp2Column c : order)
    for (int s = 0; s < o.seeds; ++s) cells.push_back({c, o.first_seed + static_cast<std::uint64_t>(s)});
  std::vector<Exp2Run> runs(cells.size());
  std::mutex mu;  // serialises on_done
  experiments::run_indexed_parallel(o.jobs, static_cast<int>(cells.size()), [&](int i) {
    Exp2Run r = run_exp2_cell(o, cells[i].column, cells[i].seed);
    std::lock_guard lock(mu);
    runs[i] = std::move(r);
    if (on_done) on_done(runs[i]);
  });
  std::stable_sort(runs.begin(), runs.end(), [&](const Exp2Run& a, const Exp2Run& b) {
    auto rank = [&](Exp2Column c) {
      return std::find(o.columns.begin(), o.columns.end(), c) - o.columns.begin();
    };
    return rank(a.column) != rank(b.column) ? rank(a.column) < rank(b.column) : a.seed < b.seed;
  });
  return runs;
}

std::vector<Exp2Summary> summarise_exp2(const std::vector<Exp2Run>& runs) {
  std::vector<Exp2Summary> out;
  for (const Exp2Run& r : runs) {
    if (out.empty() || out.back().column != r.column) {
      out.emplace_back();
      out.back().column = r.column;
      out.back().min_return = std::numeric_limits<double>::infinity();
      out.back().max_return = -std::numeric_limits<double>::infinity();
    }
    Exp2Summary& s = out.back();
    ++s.runs;
    s.solved += r.final.solved ? 1 : 0;
    s.reached += r.solve_step >= 0 ? 1 : 0;
    s.solved_at_start += r.solve_step == 0 ? 1 : 0;
    s.mean_return += r.final.mean_return;
    s.min_return = std::min(s.min_return, r.final.mean_return);
    s.max_return = std::max(s.max_return, r.final.mean_return);
    s.mean_wall_seconds += r.wall_seconds;
  }
  for (Exp2Summary& s : out) {
    s.mean_return /= s.runs;
    s.mean_wall_seconds /= s.runs;
    std::vector<std::int64_t> steps;
    for (const Exp2Run& r : runs)
      if (r.column == s.column)
        steps.push_back(r.solve_step >= 0 ? r.solve_step : std::numeric_limits<std::int64_t>::max());
    std::sort(steps.begin(), steps.end());
    // The lower median: defined when at least half of the runs reached the criterion.
    const std::int64_t m = steps[(steps.size() - 1) / 2];
    s.median_solve = m == std::numeric_limits<std::int64_t>::max() ? -1 : m;
  }
  return out;
}

Exp2Paired compare_local_frozen(const std::vector<Exp2Run>& runs) {
  const auto key = [](const Exp2Run& r) {
    return r.solve_step < 0 ? std::numeric_limits<std::int64_t>::max() : r.solve_step;
  };
  Exp2Paired p;
  for (const Exp2Run& a : runs) {
    if (a.column != Exp2Column::local) continue;
    for (const Exp2Run& b : runs) {
      if (b.column != Exp2Column::frozen || b.seed != a.seed) continue;
      ++p.pairs;
      if (key(a) < key(b)) ++p.earlier;
      else if (key(a) > key(b)) ++p.later;
      else ++p.same;
    }
  }
  return p;
}

}  // namespace coagent
