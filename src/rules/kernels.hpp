// src/rules/kernels.hpp — the per-instruction-set builds of the neuron kernels
// (kernels.inc) and the choice between them. Internal to the core layer.
//
// The kernels are compiled for x86-64's baseline (generic), AVX2+FMA and AVX-512, each
// with -ffp-contract=off and the same fixed summation order, so all three give the
// same bits (own tanh and noise, detmath.inc); rules.cpp calls the one chosen at the first call: COAGENT_ISA (generic,
// avx2 or avx512) when set, else the widest this CPU supports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

namespace coagent::kernels {

struct Table {
  float (*dot)(const float*, const float*, int) noexcept;
  void (*emit)(const LayerSpec&, const RuleSettings&, LayerState&, int, int, int, const float*,
               const float*, const float*, FrameKind, float*, bool, NoiseClock) noexcept;
  void (*learn)(const LayerSpec&, const RuleSettings&, LayerState&, int, int, int, const float*,
                StepSignal, FrameKind) noexcept;
  void (*flush)(const RuleSettings&, LayerState&, int, int, const float*) noexcept;
  void (*step)(const LayerSpec&, const RuleSettings&, LayerState&, int, int, int, const float*,
               const float*, const float*, StepSignal, FrameKind, float*, bool,
               NoiseClock) noexcept;
  void (*greedy)(const LayerParams&, int, int, const float*, float*) noexcept;
  void (*tanh)(const float*, float*, int) noexcept;
  void (*normal)(const std::uint32_t*, const std::uint32_t*, float*, int) noexcept;
  void (*stream)(float*, std::size_t) noexcept;
};

namespace generic { extern const Table table; }
namespace avx2 { extern const Table table; }
namespace avx512 { extern const Table table; }

}  // namespace coagent::kernels
