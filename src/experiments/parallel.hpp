// src/experiments/parallel.hpp — the one seed pool of the experiments (Experiment 1,
// the gradient-alignment probe, the Experiment 2 grid): independent jobs by index on
// a few threads.
#pragma once

#include <functional>

namespace coagent::experiments {

// Runs fn(i) for every i in [0, n), in increasing order of start, on up to `jobs`
// threads (the calling thread is one of them; jobs < 1 counts as 1). Once a call
// throws, no further index starts; the first exception is rethrown after every
// worker has joined. fn must be safe to call from several threads at once.
void run_indexed_parallel(int jobs, int n, const std::function<void(int)>& fn);

}  // namespace coagent::experiments
