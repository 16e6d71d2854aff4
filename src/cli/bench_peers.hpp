// src/cli/bench_peers.hpp — the peers' rates beside `coagent bench` (bench_peers.cpp).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace coagent::cli {

// Runs python/coagent/peer_rates.py (found beside the binary's build tree, or at
// $COAGENT_PEER_RATES) with $COAGENT_PYTHON, the checkout's .venv or python3: EnvPool's
// stepping rate of `env` with `envs` environments on each thread count, and SB3 TD3's
// training steps/s. Returns its JSON, or {"skipped": why}.
nlohmann::json peer_rates(const std::string& env, int envs, const std::vector<int>& threads);

}  // namespace coagent::cli
