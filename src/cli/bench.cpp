// src/cli/bench.cpp — `coagent bench`, its flags and the throughput benchmark. Each
// configuration trains a fresh network for a fixed number of steps; construction is not
// timed. The configurations run in rounds, one repetition of each per round (in reverse
// order every other round, with the roofline's bandwidth taken at the start of each), so
// that a ratio compares runs made side by side: the machine's drift over the minutes a
// bench takes does not enter it. Printers: bench_report.cpp; mode mpi: bench_mpi.cpp.
#include "cli/bench.hpp"

#include "cli/bench_peers.hpp"
#include "cli/bench_raw.hpp"
#include "cli/bench_report.hpp"
#include "cli/commands.hpp"
#include "cli/gnuplot.hpp"
#include "cli/progress.hpp"
#include "cli/roofline.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "coagent/checkpoint.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/trainer.hpp"

namespace coagent::cli {
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
  {  // unbounded observations (MuJoCo's) are encoded by running statistics, as the presets do
    const Box ob = make_env(c.env)->observation_bounds();
    for (std::size_t i = 0; i < ob.low.size(); ++i)
      if (!std::isfinite(ob.low[i]) || !std::isfinite(ob.high[i])) c.obs_norm = ObsNorm::running;
  }
  Trainer probe(c);
  label = fmt::format("{} ({}, {}{})", o.net, fmt::join(probe.network().shape(), "-"), c.env,
                      c.obs_norm == ObsNorm::running ? ", obs-norm running" : "");
  return c;
}

namespace {

double run_once(TrainConfig c, std::int64_t steps, std::string* digest_out, bool raw = false) {
  if (raw) return raw_step_rate(c.env, c.envs, c.threads, steps);
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
  BenchResult res;
  const TrainConfig base = bench_config(o, res.label);
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism,
                         static_cast<std::size_t>(*std::max_element(threads.begin(), threads.end())) + 1);
  std::int64_t params = 0;
  {
    Trainer probe(base);
    res.bytes_per_step = step_bytes(probe.network(), base.rule);
    for (int l = 0; l < probe.network().num_layers(); ++l) {
      params += static_cast<std::int64_t>(probe.network().layer(l).params.fan_in) *
                probe.network().layer(l).params.width;
      res.neurons += probe.network().layer(l).params.width;
    }
  }
  // About 3e8 weight updates per repetition, and at least 1000 steps: a run's first few
  // steps cost more at 2 threads (each worker pulls its rows into its own cache; on
  // `wide`, 2-5 ms in all), which was 4-8% of a 200-step run of the fast kernels.
  res.steps = o.steps > 0 ? o.steps
                          : std::clamp<std::int64_t>(static_cast<std::int64_t>(3e8 / params), 1000, 100000);

  // The configurations; fused (lockstep at 1 thread) first for every envs.
  struct Config {
    BenchRow row;
    TrainConfig c;
    std::vector<double> rates;  // per round
  };
  std::vector<Config> configs;
  auto has = [&](const char* m) { return std::find(o.modes.begin(), o.modes.end(), m) != o.modes.end(); };
  for (int e : o.envs) {
    TrainConfig c = base;
    c.envs = e;
    c.mode = Mode::lockstep;
    c.threads = 1;
    configs.push_back({BenchRow{.mode = "fused", .threads = 1, .shard = 0, .envs = e}, c, {}});
    for (const char* mode : {"lockstep", "async"}) {
      if (!has(mode)) continue;
      for (int s : o.shard_sizes) {
        for (int t : threads) {
          if (std::string(mode) == "lockstep" && t == 1) continue;  // that is the fused loop
          c.mode = std::string(mode) == "async" ? Mode::async : Mode::lockstep;
          c.threads = t;
          c.shard_size = s;
          configs.push_back({BenchRow{.mode = mode, .threads = t, .shard = s, .envs = e}, c, {}});
        }
      }
    }
  }
  // Beside every training row, its environments alone on as many threads (no network,
  // no learning): the "raw" rows, and each training row's "÷raw".
  {
    std::vector<Config> raw;
    for (const Config& x : configs) {
      const bool seen = std::any_of(raw.begin(), raw.end(), [&](const Config& r) {
        return r.row.threads == x.row.threads && r.row.envs == x.row.envs;
      });
      if (!seen)
        raw.push_back({BenchRow{.mode = "raw", .threads = x.row.threads, .shard = 0, .envs = x.row.envs}, x.c, {}});
    }
    configs.insert(configs.end(), raw.begin(), raw.end());
  }
  std::map<int, std::unique_ptr<StreamProbe>> probes;  // the roofline, per thread count
  std::map<int, std::vector<double>> bandwidth;        // per thread count, per round
  for (const Config& x : configs)
    if (!probes.count(x.row.threads))
      probes[x.row.threads] = std::make_unique<StreamProbe>(res.bytes_per_step, x.row.threads);

  ProgressPrinter report(stderr);
  for (Config& x : configs)  // warm-up
    run_once(x.c, std::max<std::int64_t>(50, res.steps / 10), nullptr, x.row.mode == "raw");
  for (int round = 0; round < o.reps; ++round) {
    for (auto& [t, probe] : probes) bandwidth[t].push_back(probe->measure());
    for (std::size_t i = 0; i < configs.size(); ++i) {
      Config& x = configs[round % 2 ? configs.size() - 1 - i : i];
      std::string dig;
      const bool raw = x.row.mode == "raw";
      x.rates.push_back(run_once(x.c, res.steps, round == 0 && !raw ? &dig : nullptr, raw));
      if (round == 0 && x.row.mode == "fused") res.fused_digest[x.row.envs] = dig;
    }
    if (!o.json) report.line(fmt::format("  round {}/{} done", round + 1, o.reps));
  }

  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  // The median over the rounds of f(round).
  auto per_round = [&](auto f) {
    std::vector<double> v;
    for (int r = 0; r < o.reps; ++r) v.push_back(f(r));
    return median(v);
  };
  for (auto& [t, bws] : bandwidth) res.bandwidth[t] = median(bws);
  for (const Config& x : configs) {
    BenchRow r = x.row;
    r.median = median(x.rates);
    r.min = *std::min_element(x.rates.begin(), x.rates.end());
    r.max = *std::max_element(x.rates.begin(), x.rates.end());
    r.neuron_updates = r.median * static_cast<double>(res.neurons);
    const Config *fused = nullptr, *one = nullptr, *raw = nullptr;
    for (const Config& b : configs) {
      if (b.row.mode == "fused" && b.row.envs == r.envs) fused = &b;
      if (b.row.mode == "raw" && b.row.envs == r.envs && b.row.threads == r.threads) raw = &b;
      if (b.row.threads == 1 && b.row.envs == r.envs &&
          ((r.mode == "lockstep" && b.row.mode == "fused") ||
           (b.row.mode == r.mode && b.row.shard == r.shard)))
        one = &b;
    }
    r.ratio_to_fused = per_round([&](int k) { return x.rates[k] / fused->rates[k]; });
    r.ratio_to_raw = per_round([&](int k) { return x.rates[k] / raw->rates[k]; });
    r.speedup = one ? per_round([&](int k) { return x.rates[k] / one->rates[k]; }) : 0.0;
    r.roofline_fraction = per_round([&](int k) {
      return x.rates[k] * static_cast<double>(res.bytes_per_step) / bandwidth[r.threads][k];
    });
    res.rows.push_back(r);
  }

  // The price of backprop: one DDPG update (critic + actor + soft updates) with an
  // actor and a critic of the same hidden widths, per batch size.
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
      res.ddpg.push_back({batch, us[us.size() / 2], us.front(), us.back()});
    }
  }

  if (o.peers && !o.env.empty()) {
    if (!o.json) report.line("  measuring the peers (EnvPool, SB3 TD3) ...");
    res.peers = peer_rates(base.env, *std::max_element(o.envs.begin(), o.envs.end()), threads);
  }
  print_bench(o, res);
  return 0;
}

namespace {

// The bench's flags as given, before bench_options() reads them.
struct BenchFlags {
  BenchOptions options;  // --net, --env, --json, --csv and --plot go straight here
  std::string threads, shards = "1,8,64", envs = "1", modes = "fused,lockstep,async",
              rule = "linear", steps, reps = "3", mode;
  bool no_ddpg = false, no_peers = false;
};

// "1,2,4" as integers; `what` names the flag in an error.
std::vector<int> int_list(const std::string& text, const char* what) {
  std::vector<int> v;
  for (double x : parse_double_list(text, what)) {
    if (x != std::trunc(x))
      throw std::invalid_argument(fmt::format("{}: {} is not an integer", what, x));
    if (x < INT_MIN || x > INT_MAX)  // before the cast, which would be undefined
      throw std::invalid_argument(fmt::format("{}: {} is out of range", what, x));
    v.push_back(static_cast<int>(x));
  }
  return v;
}

BenchOptions bench_options(const BenchFlags& f) {
  BenchOptions o = f.options;
  if (!f.threads.empty()) o.threads = int_list(f.threads, "--threads");
  o.shard_sizes = int_list(f.shards, "--shard-sizes");
  o.envs = int_list(f.envs, "--envs");
  o.modes.clear();
  for (std::size_t p = 0; p <= f.modes.size();) {
    const std::size_t q = std::min(f.modes.find(',', p), f.modes.size());
    o.modes.push_back(f.modes.substr(p, q - p));
    p = q + 1;
  }
  o.rule = parse_rule(f.rule);
  if (!f.steps.empty()) {
    o.steps = parse_int(f.steps, "--steps");
    if (o.steps < 1) throw std::invalid_argument("--steps must be at least 1");
  }
  const std::int64_t reps = parse_int(f.reps, "--reps");
  if (reps < 1 || reps > 100) throw std::invalid_argument("--reps must be in [1, 100]");
  o.reps = static_cast<int>(reps);
  o.ddpg = !f.no_ddpg;
  o.peers = !f.no_peers;
  if (!f.mode.empty() && f.mode != "mpi")
    throw std::invalid_argument(fmt::format("--mode: '{}' is not mpi (the other modes are --modes)", f.mode));
  o.mpi = f.mode == "mpi";
  return o;
}

}  // namespace

void add_bench(CLI::App& app, Command& chosen) {
  auto f = std::make_shared<BenchFlags>();
  auto* sub = app.add_subcommand("bench", "measure training throughput and thread scaling");
  sub->add_option("--net", f->options.net, "small (2-64-64-1), medium (2-256-256-1), wide (64-1024x3-16 on synthetic) or hidden widths")
      ->capture_default_str();
  sub->add_option("--env", f->options.env, "environment (default mountaincar; synthetic for wide)");
  sub->add_option("--threads", f->threads, "thread counts, e.g. 1,2,4 (default 1..cores)");
  sub->add_option("--shard-sizes", f->shards, "shard sizes")->capture_default_str();
  sub->add_option("--envs", f->envs, "environments in flight, e.g. 1,8")->capture_default_str();
  sub->add_option("--modes", f->modes, "modes to measure besides fused")->capture_default_str();
  std::string rules;  // every rule of the rule list
  for (const RuleInfo& r : rule_list()) rules += (rules.empty() ? "" : ", ") + std::string(r.name);
  sub->add_option("--rule", f->rule, "the local rule: " + rules)->capture_default_str();
  sub->add_option("--steps", f->steps, "steps per repetition (default: sized to the network)");
  sub->add_option("--reps", f->reps, "repetitions (the median is reported)")->capture_default_str();
  sub->add_flag("--json", f->options.json, "print one JSON object");
  sub->add_option("--mode", f->mode,
                  "mpi: measure mode mpi over 1 .. R ranks of this MPI job (run under mpirun)");
  sub->add_flag("--no-ddpg", f->no_ddpg, "skip timing one DDPG update on the same widths");
  sub->add_flag("--no-peers", f->no_peers,
                "with --env: skip EnvPool's stepping rate and SB3 TD3's training rate (measured by "
                "python/coagent/peer_rates.py when they are installed)");
  sub->add_option("--csv", f->options.csv, "also write the table as CSV");
  sub->add_option("--plot", f->options.plot, "also plot steps/s against threads (PNG, gnuplot)");
  choose_when_parsed(*sub, chosen, [f] { return run_bench(bench_options(*f)); });
}

}  // namespace coagent::cli
