// src/cli/roofline.cpp — see roofline.hpp.
#include "cli/roofline.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace coagent::cli {

std::int64_t step_bytes(const Network& net, Rule rule) {
  const int arrays = rule == Rule::compatible ? 3 : rule == Rule::dfa ? 1 : 2;
  std::int64_t floats = 0;
  for (int l = 0; l < net.num_layers(); ++l) {
    const LayerParams& p = net.layer(l).params;
    floats += static_cast<std::int64_t>(p.width) * p.stride * arrays;
  }
  return 2 * static_cast<std::int64_t>(sizeof(float)) * floats;  // read + write
}

double stream_bandwidth(std::int64_t bytes, int threads) {
  // The array holds bytes / 2 of data: a pass reads and writes each element once.
  const std::size_t n = std::max<std::size_t>(1024, static_cast<std::size_t>(bytes / 2 / sizeof(float)));
  threads = std::max(1, threads);
  std::vector<float> data(n, 1.0f);
  const std::size_t per = (n + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
  auto pass = [&](int t) {
    float* x = data.data() + std::min(n, per * static_cast<std::size_t>(t));
    const std::size_t len = std::min(per, n - std::min(n, per * static_cast<std::size_t>(t)));
    stream_pass(x, len);  // the kernels' vector code: the bandwidth they could reach
  };
  auto passes = [&](int count) {
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
      pool.emplace_back([&, t] { for (int k = 0; k < count; ++k) pass(t); });
    for (int k = 0; k < count; ++k) pass(0);
    for (auto& th : pool) th.join();
  };
  passes(2);  // warm-up: pages touched, caches filled
  // Passes per timing: enough for ~0.05 s each, then the best of five timings.
  int count = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    passes(count);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > 0.05 || count > (1 << 20)) break;
    count *= 2;
  }
  double best = 0.0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    passes(count);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, 2.0 * sizeof(float) * static_cast<double>(n) * count / dt);
  }
  return best;
}

}  // namespace coagent::cli
