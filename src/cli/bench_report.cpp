// src/cli/bench_report.cpp — `coagent bench`'s printers: the table, JSON, CSV and plot.
#include "cli/bench_report.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "cli/gnuplot.hpp"
#include "coagent/rules.hpp"

namespace coagent::cli {
namespace {

// The fastest training row (any mode) with `threads` threads and `envs` environments.
const BenchRow* best_training(const BenchResult& res, int threads, int envs) {
  const BenchRow* best = nullptr;
  for (const BenchRow& r : res.rows)
    if (r.mode != "raw" && r.threads == threads && r.envs == envs && (!best || r.median > best->median))
      best = &r;
  return best;
}

// EnvPool's stepping rate and TD3's training rate, each against coagent's best training
// row on as many threads.
void print_peers(const BenchResult& res) {
  const nlohmann::json& p = res.peers;
  if (p.is_null()) return;
  if (p.contains("skipped")) {
    fmt::print("peers: not measured ({})\n", p["skipped"].get<std::string>());
    return;
  }
  const int envs = p.value("envs", 1);
  for (const char* peer : {"envpool", "td3"}) {
    const nlohmann::json& rows = p[peer];
    if (!rows.is_array()) {
      fmt::print("{}: {}\n", peer, rows.contains("missing")
                                      ? fmt::format("not installed ({}: {})", rows.value("missing", ""),
                                                    rows.value("install", ""))
                                      : rows.value("error", std::string("no result")));
      continue;
    }
    for (const nlohmann::json& r : rows) {
      const int t = r["threads"].get<int>();
      const double rate = r["steps_per_s"].get<double>();
      const BenchRow* best = best_training(res, t, envs);
      const bool td3 = std::string(peer) == "td3";
      fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f}   {} ; coagent's best training row at {} thread(s): "
                 "{:.0f} -> {:.2f}x\n",
                 peer, t, "-", td3 ? 1 : envs, rate,
                 td3 ? "SB3 TD3 training steps/s (256-256, batch 256, a gradient step per env step)"
                     : "EnvPool stepping env steps/s (the environments alone, through Python)",
                 t, best ? best->median : 0.0, best ? best->median / rate : 0.0);
    }
  }
}

}  // namespace

void print_bench(const BenchOptions& o, const BenchResult& res) {
  const unsigned hw = std::thread::hardware_concurrency();
  if (o.json) {
    nlohmann::json j;
    j["net"] = res.label;
    j["steps_per_rep"] = res.steps;
    j["reps"] = o.reps;
    j["hardware_threads"] = hw;
    j["neurons"] = res.neurons;
    j["fused_digest"] = res.fused_digest.begin()->second;
    j["isa"] = kernel_isa();
    for (std::string_view isa : available_isas()) j["available_isas"].push_back(isa);
    j["roofline"]["bytes_per_step"] = res.bytes_per_step;
    for (const auto& [t, bw] : res.bandwidth)
      j["roofline"]["bandwidth"].push_back({{"threads", t}, {"bytes_per_s", bw},
                                            {"floor_us_per_step", 1e6 * static_cast<double>(res.bytes_per_step) / bw}});
    for (const DdpgRow& d : res.ddpg)
      j["ddpg"].push_back({{"batch", d.batch}, {"update_us", d.median_us}, {"update_us_min", d.min_us},
                           {"update_us_max", d.max_us}, {"updates_per_s", 1e6 / d.median_us}});
    if (!res.peers.is_null()) j["peers"] = res.peers;
    for (const BenchRow& r : res.rows)
      j["configs"].push_back({{"mode", r.mode}, {"threads", r.threads}, {"shard_size", r.shard},
                              {"envs", r.envs}, {"steps_per_s", r.median},
                              {"steps_per_s_min", r.min}, {"steps_per_s_max", r.max},
                              {"neuron_updates_per_s", r.neuron_updates},
                              {"ratio_to_fused", r.ratio_to_fused}, {"speedup", r.speedup},
                              {"ratio_to_raw", r.ratio_to_raw},
                              {"roofline_fraction", r.roofline_fraction}});
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("bench: net {}, rule {}, {} steps x {} rounds (median [min..max]; ratios: medians of per-round ratios), {} hardware threads\n",
               res.label, to_string(o.rule), res.steps, o.reps, hw);
    fmt::print("kernels: {} (this CPU: {}; COAGENT_ISA=generic|avx2|avx512 chooses, same digest)\n",
               kernel_isa(), fmt::join(available_isas(), ", "));
    for (const auto& [t, bw] : res.bandwidth)
      fmt::print("roofline: a step moves {:.3g} MB (the rule's rows, read + write); streaming at {} "
                 "thread(s) {:.1f} GB/s -> floor {:.1f} us per step\n",
                 1e-6 * static_cast<double>(res.bytes_per_step), t, 1e-9 * bw, 1e6 * static_cast<double>(res.bytes_per_step) / bw);
    fmt::print("{:<9} {:>7} {:>6} {:>5} {:>28} {:>14} {:>9} {:>8} {:>9} {:>7}\n", "mode", "threads", "shard",
               "envs", "env steps/s", "neuron upd/s", "÷fused", "speedup", "roofline", "÷raw");
    for (const BenchRow& r : res.rows) {
      if (r.mode == "raw") {
        fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f} [{:>7.0f}..{:>7.0f}] {:>14} {:>9} {:>8.2f} {:>9} {:>7}\n",
                   r.mode, r.threads, "-", r.envs, r.median, r.min, r.max, "-", "-", r.speedup, "-", "-");
        continue;
      }
      fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f} [{:>7.0f}..{:>7.0f}] {:>14.3g} {:>9.2f} {:>8.2f} {:>9.2f} {:>7.3f}\n",
                 r.mode, r.threads,
                 r.mode == "fused" ? std::string("layer") : r.shard ? std::to_string(r.shard) : std::string("auto"),
                 r.envs, r.median, r.min, r.max, r.neuron_updates, r.ratio_to_fused, r.speedup,
                 r.roofline_fraction, r.ratio_to_raw);
    }
    fmt::print("raw: the environments alone on as many threads (random actions, no network); "
               "÷raw: training ÷ raw, the share of the environments' own rate that training keeps\n");
    for (const DdpgRow& d : res.ddpg)
      fmt::print("{:<9} {:>7} {:>6} {:>5} {:>10.0f} [{:>7.0f}..{:>7.0f}]   one update (batch {}) = {:.0f} us; fused local rule = {:.1f} us per env step\n",
                 "ddpg", 1, "-", "-", 1e6 / d.median_us, 1e6 / d.max_us, 1e6 / d.min_us, d.batch,
                 d.median_us, 1e6 / res.rows.front().median);
    print_peers(res);
    for (const BenchRow& r : res.rows)
      if (r.mode == "async" && r.shard == 1 && r.threads == 1) {
        const BenchRow* f = nullptr;
        for (const BenchRow& x : res.rows)
          if (x.mode == "fused" && x.envs == r.envs) f = &x;
        if (f)
          fmt::print("async runtime overhead at shard size 1 (one task per neuron), {} env(s): "
                     "{:.0f} ns per neuron per step\n",
                     r.envs, 1e9 * (1.0 / r.median - 1.0 / f->median) / static_cast<double>(res.neurons));
      }
  }
  if (!o.csv.empty()) {
    std::ofstream out(o.csv);
    if (!out) throw std::invalid_argument(fmt::format("--csv: cannot write '{}'", o.csv));
    out << "mode,threads,shard_size,envs,steps_per_s,steps_per_s_min,steps_per_s_max,"
           "neuron_updates_per_s,ratio_to_fused,speedup,roofline_fraction,ratio_to_raw\n";
    for (const BenchRow& r : res.rows)
      out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", r.mode, r.threads, r.shard, r.envs,
                         r.median, r.min, r.max, r.neuron_updates, r.ratio_to_fused, r.speedup,
                         r.roofline_fraction, r.ratio_to_raw);
  }
  if (!o.plot.empty()) {
    std::string body = fmt::format(
        "set title {}\nset xlabel 'threads'\nset ylabel 'environment steps per second'\n"
        "set grid\nset key outside right\nplot ",
        gp_quote(fmt::format("coagent bench: {}, rule {} - env steps/s (median of {}) vs threads",
                             res.label, to_string(o.rule), o.reps)));
    std::map<std::string, std::vector<const BenchRow*>> series;
    for (const BenchRow& r : res.rows)
      series[fmt::format("{} S={} E={}", r.mode,
                         r.mode == "fused" ? std::string("layer") : r.shard ? std::to_string(r.shard) : std::string("auto"),
                         r.envs)]
          .push_back(&r);
    std::string data;
    bool first = true;
    for (const auto& [name, pts] : series) {
      body += fmt::format("{}'-' using 1:2 with linespoints title {}", first ? "" : ", ", gp_quote(name));
      first = false;
      for (const BenchRow* r : pts) data += fmt::format("{} {}\n", r->threads, r->median);
      data += "e\n";
    }
    render(still_terminal(false, 960, 560), body + "\n" + data, o.plot);
  }
}

}  // namespace coagent::cli
