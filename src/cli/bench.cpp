// src/cli/bench.cpp — the throughput benchmark. Each configuration trains a fresh
// network for a fixed number of steps, `reps` times; construction is not timed. The
// median, min and max of environment steps/s are reported, with the ratio to the
// fused single-thread loop and the speedup over the same configuration at 1 thread.
#include "cli/bench.hpp"

#include "cli/gnuplot.hpp"
#include "cli/progress.hpp"
#include "cli/roofline.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "coagent/checkpoint.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/trainer.hpp"

namespace coagent::cli {
namespace {

struct Row {
  std::string mode;  // fused | lockstep | async
  int threads = 1, shard = 0, envs = 1;
  double median = 0, min = 0, max = 0;  // env steps/s
  double neuron_updates = 0;            // per second, at the median
  double ratio_to_fused = 0, speedup = 0;
  double roofline_fraction = 0;         // the memory floor's time per step / the measured one
};

}  // namespace

TrainConfig bench_config(const BenchOptions& o, std::string& label) {
  TrainConfig c;
  c.rule = o.rule;
  c.env = o.env.empty() ? "mountaincar" : o.env;
  if (o.net == "small") {
    c.hidden = {64, 64};
  } else if (o.net == "medium") {
    c.hidden = {256, 256};
  } else if (o.net == "wide") {
    c.hidden = {1024, 1024, 1024};
    if (o.env.empty()) c.env = "synthetic";
  } else {
    c.hidden = parse_widths(o.net, "--net");
  }
  c.noise_scale = {0.1};
  c.seed = 1;
  Trainer probe(c);
  label = fmt::format("{} ({}, {})", o.net, fmt::join(probe.network().shape(), "-"), c.env);
  return c;
}

namespace {

double run_once(TrainConfig c, std::int64_t steps, std::string* digest_out) {
  c.steps = steps;
  Trainer t(c);
  const auto t0 = std::chrono::steady_clock::now();
  t.train();
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (digest_out) *digest_out = digest(t);
  return static_cast<double>(steps) / dt;
}

}  // namespace

int run_bench(const BenchOptions& o) {
  if (o.mpi) return run_bench_mpi(o);
  if (o.reps < 1 || o.reps > 100) throw std::invalid_argument("--reps must be in [1, 100]");
  if (!o.plot.empty()) check_output_path(o.plot, "--plot");
  if (!o.csv.empty()) check_output_path(o.csv, "--csv");
  for (const auto& m : o.modes)
    if (m != "fused" && m != "lockstep" && m != "async")
      throw std::invalid_argument(fmt::format("--modes: '{}' is not fused, lockstep or async", m));
  std::vector<int> threads = o.threads;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads.empty())
    for (int t = 1; t <= cores; ++t) threads.push_back(t);
  for (int t : threads)
    if (t < 1 || t > 1024) throw std::invalid_argument(fmt::format("--threads: {} is out of range [1, 1024]", t));
  for (int s : o.shard_sizes)
    if (s < 0) throw std::invalid_argument(fmt::format("--shard-sizes: {} must be 0 (auto) or more", s));
  for (int e : o.envs)
    if (e < 1 || e > 4096) throw std::invalid_argument(fmt::format("--envs: {} is out of range [1, 4096]", e));
  std::string label;
  const TrainConfig base = bench_config(o, label);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism,
                         static_cast<std::size_t>(*std::max_element(threads.begin(), threads.end())) + 1);
  std::int64_t params = 0, neurons = 0, bytes = 0;
  {
    Trainer probe(base);
    bytes = step_bytes(probe.network(), base.rule);
    for (int l = 0; l < probe.network().num_layers(); ++l) {
      params += static_cast<std::int64_t>(probe.network().layer(l).params.fan_in) *
                probe.network().layer(l).params.width;
      neurons += probe.network().layer(l).params.width;
    }
  }
  const std::int64_t steps =
      o.steps > 0 ? o.steps : std::clamp<std::int64_t>(static_cast<std::int64_t>(3e8 / params), 200, 100000);

  std::vector<Row> rows;
  std::map<int, std::string> fused_digest;
  ProgressPrinter report(stderr);
  auto measure = [&](Row r, TrainConfig c) {
    std::vector<double> rates;
    std::string dig;
    run_once(c, std::max<std::int64_t>(50, steps / 10), nullptr);  // warm-up
    for (int i = 0; i < o.reps; ++i) rates.push_back(run_once(c, steps, i == 0 ? &dig : nullptr));
    std::sort(rates.begin(), rates.end());
    r.median = rates[rates.size() / 2];
    r.min = rates.front();
    r.max = rates.back();
    r.neuron_updates = r.median * static_cast<double>(neurons);
    if (r.mode == "fused") fused_digest[r.envs] = dig;
    rows.push_back(r);
    if (!o.json)
      report.line(fmt::format("  measured {} threads={} shard={} envs={}: {:.0f} steps/s", r.mode,
                              r.threads, r.shard, r.envs, r.median));
  };
  auto has = [&](const char* m) { return std::find(o.modes.begin(), o.modes.end(), m) != o.modes.end(); };
  for (int e : o.envs) {
    TrainConfig c = base;
    c.envs = e;
    c.mode = Mode::lockstep;
    c.threads = 1;
    measure(Row{.mode = "fused", .threads = 1, .shard = 0, .envs = e}, c);
    for (const char* mode : {"lockstep", "async"}) {
      if (!has(mode)) continue;
      for (int s : o.shard_sizes) {
        for (int t : threads) {
          if (std::string(mode) == "lockstep" && t == 1) continue;  // that is the fused loop
          c.mode = std::string(mode) == "async" ? Mode::async : Mode::lockstep;
          c.threads = t;
          c.shard_size = s;
          measure(Row{.mode = mode, .threads = t, .shard = s, .envs = e}, c);
        }
      }
    }
  }
  for (Row& r : rows) {
    for (const Row& f : rows)
      if (f.mode == "fused" && f.envs == r.envs) r.ratio_to_fused = r.median / f.median;
    const Row* one = nullptr;
    for (const Row& b : rows)
      if (b.threads == 1 && b.envs == r.envs &&
          ((r.mode == "lockstep" && b.mode == "fused") ||
           (b.mode == r.mode && b.shard == r.shard)))
        one = &b;
    r.speedup = one ? r.median / one->median : 0.0;
  }
  // The memory roofline, measured in the same run at every thread count used.
  std::map<int, double> bandwidth;
  for (const Row& r : rows)
    if (!bandwidth.count(r.threads)) bandwidth[r.threads] = stream_bandwidth(bytes, r.threads);
  for (Row& r : rows) r.roofline_fraction = r.median * static_cast<double>(bytes) / bandwidth[r.threads];

  // The price of backprop: one DDPG update (critic + actor + soft updates) with an
  // actor and a critic of the same hidden widths, per batch size.
  struct DdpgRow {
    int batch = 0;
    double median_us = 0, min_us = 0, max_us = 0;
  };
  std::vector<DdpgRow> ddpg_rows;
  if (o.ddpg) {
    auto env = make_env(base.env);
    for (int batch : {64, 256}) {
      DdpgConfig d;
      d.actor_hidden = d.critic_hidden = base.hidden;
      d.batch_size = batch;
      d.learning_starts = 1 << 30;  // fill the buffer without training
      d.buffer_size = 4096;
      DdpgAgent agent(d, env->observation_size(), env->action_bounds(), 1);
      std::vector<double> obs(env->observation_size()), next(obs.size()), action(env->action_size());
      env->reset(1, obs);
      for (int i = 0; i < 1024; ++i) {
        agent.explore(obs, action);
        const StepResult r = env->step(action, next);
        agent.observe(obs, action, r.reward, next, r.terminated, r.truncated);
        if (r.terminated || r.truncated) env->reset(std::nullopt, next);
        obs = next;
      }
      const int updates = std::max(3, static_cast<int>(2e8 / (static_cast<double>(params) * 6 * batch)));
      std::vector<double> us;
      agent.train_step();  // warm-up
      for (int rep = 0; rep < o.reps; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < updates; ++i) agent.train_step();
        us.push_back(1e6 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / updates);
      }
      std::sort(us.begin(), us.end());
      ddpg_rows.push_back({batch, us[us.size() / 2], us.front(), us.back()});
    }
  }

  const unsigned hw = std::thread::hardware_concurrency();
  if (o.json) {
    nlohmann::json j;
    j["net"] = label;
    j["steps_per_rep"] = steps;
    j["reps"] = o.reps;
    j["hardware_threads"] = hw;
    j["neurons"] = neurons;
    j["fused_digest"] = fused_digest.begin()->second;
    j["isa"] = kernel_isa();
    for (std::string_view isa : available_isas()) j["available_isas"].push_back(isa);
    j["roofline"]["bytes_per_step"] = bytes;
    for (const auto& [t, bw] : bandwidth)
      j["roofline"]["bandwidth"].push_back({{"threads", t}, {"bytes_per_s", bw},
                                            {"floor_us_per_step", 1e6 * static_cast<double>(bytes) / bw}});
    for (const DdpgRow& d : ddpg_rows)
      j["ddpg"].push_back({{"batch", d.batch}, {"update_us", d.median_us}, {"update_us_min", d.min_us},
                           {"update_us_max", d.max_us}, {"updates_per_s", 1e6 / d.median_us}});
    for (const Row& r : rows)
      j["configs"].push_back({{"mode", r.mode}, {"threads", r.threads}, {"shard_size", r.shard},
                              {"envs", r.envs}, {"steps_per_s", r.median},
                              {"steps_per_s_min", r.min}, {"steps_per_s_max", r.max},
                              {"neuron_updates_per_s", r.neuron_updates},
                              {"ratio_to_fused", r.ratio_to_fused}, {"speedup", r.speedup},
                              {"roofline_fraction", r.roofline_fraction}});
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("bench: net {}, rule {}, {} steps x {} reps (median [min..max]), {} hardware threads\n",
               label, to_string(o.rule), steps, o.reps, hw);
    fmt::print("kernels: {} (this CPU: {}; COAGENT_ISA=generic|avx2|avx512 chooses, same digest)\n",
               kernel_isa(), fmt::join(available_isas(), ", "));
    for (const auto& [t, bw] : bandwidth)
      fmt::print("roofline: a step moves {:.3g} MB (the rule's rows, read + write); streaming at {} "
                 "thread(s) {:.1f} GB/s -> floor {:.1f} us per step\n",
                 1e-6 * static_cast<double>(bytes), t, 1e-9 * bw, 1e6 * static_cast<double>(bytes) / bw);
    fmt::print("{:<9} {:>7} {:>6} {:>5} {:>28} {:>14} {:>9} {:>8} {:>9}\n", "mode", "threads", "shard",
               "envs", "env steps/s", "neuron upd/s", "÷fused", "speedup", "roofline");
    for (const Row& r : rows)
      fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f} [{:>7.0f}..{:>7.0f}] {:>14.3g} {:>9.2f} {:>8.2f} {:>9.2f}\n",
                 r.mode, r.threads,
                 r.mode == "fused" ? std::string("layer") : r.shard ? std::to_string(r.shard) : std::string("auto"),
                 r.envs, r.median, r.min, r.max, r.neuron_updates, r.ratio_to_fused, r.speedup,
                 r.roofline_fraction);
    for (const DdpgRow& d : ddpg_rows)
      fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f} [{:>7.0f}..{:>7.0f}]   one update (batch {}) = {:.0f} us; fused local rule = {:.1f} us per env step\n",
                 "ddpg", 1, "-", "-", 1e6 / d.median_us, 1e6 / d.max_us, 1e6 / d.min_us, d.batch,
                 d.median_us, 1e6 / rows.front().median);
    for (const Row& r : rows)
      if (r.mode == "async" && r.shard == 1 && r.threads == 1) {
        const Row* f = nullptr;
        for (const Row& x : rows)
          if (x.mode == "fused" && x.envs == r.envs) f = &x;
        if (f)
          fmt::print("async runtime overhead at shard size 1 (one task per neuron), {} env(s): "
                     "{:.0f} ns per neuron per step\n",
                     r.envs, 1e9 * (1.0 / r.median - 1.0 / f->median) / static_cast<double>(neurons));
      }
  }
  if (!o.csv.empty()) {
    std::ofstream out(o.csv);
    if (!out) throw std::invalid_argument(fmt::format("--csv: cannot write '{}'", o.csv));
    out << "mode,threads,shard_size,envs,steps_per_s,steps_per_s_min,steps_per_s_max,"
           "neuron_updates_per_s,ratio_to_fused,speedup,roofline_fraction\n";
    for (const Row& r : rows)
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.mode, r.threads, r.shard, r.envs,
                         r.median, r.min, r.max, r.neuron_updates, r.ratio_to_fused, r.speedup,
                         r.roofline_fraction);
  }
  if (!o.plot.empty()) {
    std::string body = fmt::format(
        "set title {}\nset xlabel 'threads'\nset ylabel 'environment steps per second'\n"
        "set grid\nset key outside right\nplot ",
        gp_quote(fmt::format("coagent bench: {}, rule {} - env steps/s (median of {}) vs threads",
                             label, to_string(o.rule), o.reps)));
    std::map<std::string, std::vector<const Row*>> series;
    for (const Row& r : rows)
      series[fmt::format("{} S={} E={}", r.mode,
                         r.mode == "fused" ? std::string("layer") : r.shard ? std::to_string(r.shard) : std::string("auto"),
                         r.envs)]
          .push_back(&r);
    std::string data;
    bool first = true;
    for (const auto& [name, pts] : series) {
      body += fmt::format("{}'-' using 1:2 with linespoints title {}", first ? "" : ", ", gp_quote(name));
      first = false;
      for (const Row* r : pts) data += fmt::format("{} {}\n", r->threads, r->median);
      data += "e\n";
    }
    render(still_terminal(false, 960, 560), body + "\n" + data, o.plot);
  }
  return 0;
}

}  // namespace coagent::cli
