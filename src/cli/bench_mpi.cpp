// src/cli/bench_mpi.cpp — `coagent bench --mode mpi` under mpirun: mode mpi on the
// first 1, 2, .. R ranks of the job (the others wait), per-step latency, the bytes and
// messages a rank sends per step, and a model of R ranks on a real network.
//
// The model: a step has L + 1 exchanges on its critical path (the observation, then
// every layer's frame), each a latency lambda; a rank sends its slice of every frame
// to the R - 1 others, B(R) = sum over layers of 4 (width / R) (R - 1) bytes (plus the
// observation from its rank), at bandwidth beta; the compute divides by R:
//   t(R) = t(1) / R + (L + 1) lambda + B(R) / beta.
#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "cli/bench.hpp"
#include "coagent/trainer.hpp"
#include "mpi/job.hpp"

namespace coagent::cli {
namespace {

struct MpiRow {
  int ranks = 0;
  double steps_per_s = 0, us_per_step = 0, speedup = 0;
  double bytes_rank0 = 0, bytes_all = 0, messages_per_rank = 0;  // per step
};

// This rank's counters, summed over the ranks of `w` (collective).
std::pair<double, double> summed(Wire& w, double bytes, double messages) {
  double b = 0, m = 0;
  for (int r = 0; r < w.size(); ++r) {
    WireBytes x(2 * sizeof(double));
    if (r == w.rank()) {
      std::memcpy(x.data(), &bytes, sizeof bytes);
      std::memcpy(x.data() + sizeof bytes, &messages, sizeof messages);
    }
    w.broadcast(x, r);
    double xb = 0, xm = 0;
    std::memcpy(&xb, x.data(), sizeof xb);
    std::memcpy(&xm, x.data() + sizeof xb, sizeof xm);
    b += xb;
    m += xm;
  }
  return {b, m};
}

// Model bytes one rank sends per step with R ranks (its slices; rank 0 also the observation).
double model_bytes(const std::vector<int>& shape, int R) {
  double b = 4.0 * shape[0] * (R - 1) / R;  // the observations, spread over the ranks
  for (std::size_t l = 1; l < shape.size(); ++l) b += 4.0 * shape[l] / R * (R - 1);
  return b;
}

}  // namespace

int run_bench_mpi(const BenchOptions& o) {
  std::string label;
  TrainConfig base = bench_config(o, label);
  base.mode = Mode::mpi;
  base.threads = o.threads.empty() ? 1 : o.threads.front();
  if (base.threads < 1 || base.threads > 1024)
    throw std::invalid_argument(fmt::format("--threads: {} is out of range [1, 1024]", base.threads));
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism,
                         static_cast<std::size_t>(base.threads) + 1);
  std::vector<int> shape;
  std::int64_t params = 0;
  {
    TrainConfig probe_cfg = base;
    probe_cfg.mode = Mode::lockstep;
    Trainer probe(probe_cfg);
    shape = probe.network().shape();
    for (int l = 0; l < probe.network().num_layers(); ++l)
      params += static_cast<std::int64_t>(probe.network().layer(l).params.fan_in) *
                probe.network().layer(l).params.width;
  }
  const std::int64_t steps =
      o.steps > 0 ? o.steps : std::clamp<std::int64_t>(static_cast<std::int64_t>(1e8 / params), 100, 20000);
  auto job = mpi::start_job();
  const bool root = job->rank() == 0;
  std::vector<MpiRow> rows;
  for (int n = 1; n <= job->size(); ++n) {
    std::shared_ptr<Wire> wire = job->wire_of_first(n);
    if (wire) {
      std::vector<double> us;
      double bytes = 0, messages = 0;
      for (int rep = 0; rep <= o.reps; ++rep) {  // rep 0 warms up
        TrainConfig c = base;
        c.steps = rep == 0 ? std::max<std::int64_t>(20, steps / 10) : steps;
        Trainer t(c);
        t.use_wire(wire);
        wire->first(false);  // all ranks start together
        const std::uint64_t b0 = wire->bytes_sent(), m0 = wire->messages_sent();
        const auto t0 = std::chrono::steady_clock::now();
        t.train();
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (rep == 0) continue;
        us.push_back(dt / static_cast<double>(c.steps) * 1e6);
        bytes = static_cast<double>(wire->bytes_sent() - b0) / static_cast<double>(c.steps);
        messages = static_cast<double>(wire->messages_sent() - m0) / static_cast<double>(c.steps);
      }
      const auto [all_bytes, all_messages] = summed(*wire, bytes, messages);
      std::sort(us.begin(), us.end());
      MpiRow r;
      r.ranks = n;
      r.us_per_step = us[us.size() / 2];
      r.steps_per_s = 1e6 / r.us_per_step;
      r.speedup = rows.empty() ? 1.0 : rows.front().us_per_step / r.us_per_step;
      r.bytes_rank0 = bytes;
      r.bytes_all = all_bytes;
      r.messages_per_rank = all_messages / n;
      rows.push_back(r);
    }
    job->barrier();
  }
  if (!root) return 0;

  struct Net { const char* name; double latency_us, gb_per_s; };
  const Net nets[] = {{"10 Gb Ethernet (TCP)", 20.0, 1.2}, {"InfiniBand HDR", 1.5, 24.0}};
  const double t1 = rows.front().us_per_step;
  const int exchanges = static_cast<int>(shape.size());  // observation + every layer
  auto model_us = [&](const Net& net, int R) {
    return t1 / R + exchanges * net.latency_us + model_bytes(shape, R) / (net.gb_per_s * 1e3);
  };
  if (o.json) {
    nlohmann::json j{{"net", label}, {"steps", steps}, {"threads_per_rank", base.threads},
                     {"job_ranks", job->size()}};
    for (const auto& r : rows)
      j["rows"].push_back({{"ranks", r.ranks}, {"steps_per_s", r.steps_per_s},
                           {"us_per_step", r.us_per_step}, {"speedup", r.speedup},
                           {"bytes_per_step_rank0", r.bytes_rank0},
                           {"bytes_per_step_all_ranks", r.bytes_all},
                           {"messages_per_step_per_rank", r.messages_per_rank}});
    for (const auto& net : nets)
      for (int R : {2, 4, 8, 16})
        j["model"].push_back({{"network", net.name}, {"ranks", R}, {"us_per_step", model_us(net, R)},
                              {"speedup", t1 / model_us(net, R)}});
    fmt::print("{}\n", j.dump());
    return 0;
  }
  fmt::print("mpi bench: {}, {} steps x {} reps, {} thread(s) per rank, job of {} rank(s) on this machine\n",
             label, steps, o.reps, base.threads, job->size());
  fmt::print("{:>5} {:>9} {:>9} {:>8} {:>13} {:>13} {:>11}\n", "ranks", "steps/s", "us/step",
             "speedup", "B/step rank0", "B/step all", "msgs/step");
  for (const auto& r : rows)
    fmt::print("{:>5} {:>9.1f} {:>9.1f} {:>7.2f}x {:>13.0f} {:>13.0f} {:>11.1f}\n", r.ranks,
               r.steps_per_s, r.us_per_step, r.speedup, r.bytes_rank0, r.bytes_all,
               r.messages_per_rank);
  fmt::print("model, t(R) = t(1)/R + {} x latency + B(R)/bandwidth, with t(1) = {:.1f} us measured above:\n",
             exchanges, t1);
  for (const auto& net : nets) {
    fmt::print("  {} (latency {} us, {} GB/s):", net.name, net.latency_us, net.gb_per_s);
    for (int R : {2, 4, 8, 16})
      fmt::print("  R={} {:.0f} us/step ({:.2f}x)", R, model_us(net, R), t1 / model_us(net, R));
    fmt::print("\n");
  }
  return 0;
}

}  // namespace coagent::cli
