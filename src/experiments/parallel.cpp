// src/experiments/parallel.cpp — the experiments' seed pool (see parallel.hpp).
#include "experiments/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace coagent::experiments {

void run_indexed_parallel(int jobs, int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n);
      }
    }
  };
  std::vector<std::thread> threads;
  const int count = std::clamp(jobs, 1, n);
  threads.reserve(static_cast<std::size_t>(count - 1));
  try {
    for (int t = 1; t < count; ++t) threads.emplace_back(worker);
  } catch (...) {
    // No more threads: the ones started and this one do the work.
  }
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace coagent::experiments
