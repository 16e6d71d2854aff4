// src/cli/roofline.hpp — the memory roofline of `coagent bench`: how many bytes one
// environment step must move through memory (every neuron's rows that the local rule
// reads and writes each step), the machine's streaming read+write bandwidth on a working
// set of that size, and the time per step that bandwidth implies as a floor.
#pragma once

#include <cstdint>
#include <vector>

#include "coagent/network.hpp"

namespace coagent::cli {

// Bytes one step of one environment reads and writes: for every layer, each per-neuron
// row array the rule updates (K, plus the private critic rows of linear/compatible or
// the eligibility traces of perturb), 4-byte floats over the padded stride, read once
// and written once.
std::int64_t step_bytes(const Network& net, Rule rule);

// Streaming bandwidth (bytes read + bytes written per second) of `threads` threads each
// updating its share of a float array in place (x = a x + b) with the kernels' vector
// code, the array holding `bytes` / 2 so that one pass moves `bytes`. Construction
// touches the pages and sizes a timing to ~0.05 s; measure() times one, so that the
// bench can take it in the same rounds as the runs it is compared with.
class StreamProbe {
 public:
  StreamProbe(std::int64_t bytes, int threads);
  double measure();

 private:
  void passes(int count);
  std::vector<float> data_;
  int threads_ = 1, count_ = 1;
};

}  // namespace coagent::cli
