// Test fixtures of the local rules' unit tests (test_rules.cpp, test_rules_broadcast.cpp):
// a layer with random parameters, a padded frame, a layer spec without noise.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

namespace coagent::rules_fixture {

// A layer of `width` neurons with fan-in `fan_in` and random parameters.
inline LayerState make_layer(Rule rule, int fan_in, int width, std::uint64_t seed, int envs = 1) {
  LayerState L;
  L.params = LayerParams(fan_in, width, rule);
  L.envs = envs;
  L.trace.resize(static_cast<std::size_t>(width) * envs);
  L.pending.resize(L.trace.size());
  L.noise.assign(L.trace.size(), 0.0f);
  L.update.assign(static_cast<std::size_t>(width), RowUpdate{});
  Pcg32 rng(seed);
  auto fill = [&](std::span<float> v, bool rows) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (rows && static_cast<int>(i % L.params.stride) >= fan_in) continue;  // keep padding 0
      v[i] = static_cast<float>(0.5 * rng.normal());
    }
  };
  fill(L.params.K, true);
  fill(L.params.b, false);
  fill(L.params.cv, true);
  fill(L.params.cc, false);
  fill(L.params.wk, true);
  fill(L.params.wa, false);
  L.noise_key = {static_cast<std::uint32_t>(seed), 0x5eedu};
  return L;
}

inline std::vector<float> frame(std::initializer_list<float> v) {
  std::vector<float> f(v);
  f.resize(padded(static_cast<int>(f.size())), 0.0f);
  return f;
}

inline LayerSpec quiet_spec() {
  LayerSpec s;
  s.noise_scale = 0.0;
  return s;
}

}  // namespace coagent::rules_fixture
