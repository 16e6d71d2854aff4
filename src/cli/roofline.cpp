// src/cli/roofline.cpp — see roofline.hpp.
#include "cli/roofline.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace coagent::cli {

std::int64_t step_bytes(const Network& net, Rule rule) {
  const int arrays = rule_info(rule).row_arrays;
  std::int64_t floats = 0;
  for (int l = 0; l < net.num_layers(); ++l) {
    const LayerParams& p = net.layer(l).params;
    floats += static_cast<std::int64_t>(p.width) * p.stride * arrays;
  }
  return 2 * static_cast<std::int64_t>(sizeof(float)) * floats;  // read + write
}

StreamProbe::StreamProbe(std::int64_t bytes, int threads)
    : data_(std::max<std::size_t>(1024, static_cast<std::size_t>(bytes / 2 / sizeof(float))), 1.0f),
      threads_(std::max(1, threads)) {
  passes(2);  // warm-up: pages touched, caches filled
  while (count_ < (1 << 20)) {  // passes per timing: enough for ~0.05 s
    const auto t0 = std::chrono::steady_clock::now();
    passes(count_);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > 0.05) break;
    count_ *= 2;
  }
}

void StreamProbe::passes(int count) {
  const std::size_t n = data_.size();
  const std::size_t per = (n + static_cast<std::size_t>(threads_) - 1) / static_cast<std::size_t>(threads_);
  auto pass = [&](int t) {
    const std::size_t lo = std::min(n, per * static_cast<std::size_t>(t));
    stream_pass(data_.data() + lo, std::min(per, n - lo));  // the kernels' vector code
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads_; ++t)
    pool.emplace_back([&, t] { for (int k = 0; k < count; ++k) pass(t); });
  for (int k = 0; k < count; ++k) pass(0);
  for (auto& th : pool) th.join();
}

double StreamProbe::measure() {
  const auto t0 = std::chrono::steady_clock::now();
  passes(count_);
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * sizeof(float) * static_cast<double>(data_.size()) * count_ / dt;
}

}  // namespace coagent::cli
