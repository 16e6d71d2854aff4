// coagent/rules.hpp — the neuron's math: the four local rules (linear, compatible, perturb,
// dfa), as plain functions: their settings and learned parameters here, the kernels and their
// per-neuron state in coagent/detail/neurons.hpp (the library's, not an API).
//
// Nothing here knows about threads, queues or environments. A layer's neurons live
// in contiguous per-layer storage (row n of every matrix is neuron n, rows padded
// to a multiple of kLane = 16 floats with zeros); a kernel call processes the neurons
// [begin, end) of one layer for one frame and touches only their rows and their
// traces. Exploration noise is counter-based: neuron n's draw for a frame is
// Philox4x32-10 of (n, env, episode, step) under the layer's key (seed, layer), so it
// is the same whoever computes it, in whatever order. Any partition of a layer into ranges therefore
// computes bit-identical results, which is what lets the runtime pick any shard
// size and any thread count.
//
// Notation (docs/design.md §3), neuron n with fan-in d: weights K (d), bias b,
// z = K.v + b, y = tanh(z), exploration noise xi, emitted voltage a = y + xi.
//   linear     (paper §4.2)  Q(v,a) = th_v.v + th_a*a + c
//   compatible (COPDAC-Q)    Q(v,a) = (a - y(v)) phi(v).w + u.[v;1],
//                            phi = sigma'(z) [v;1]
//   perturb  (node perturbation, docs/design.md §3.1) no private critic: with g the
//            standard-normal draw behind this step's noise (the innovation of the
//            OU process, or the Gaussian draw), score = g sigma'(z) [v;1],
//            e = gamma*lambda*e + score, [K; b] += alpha_actor * delta * e, where
//            delta is the TD error broadcast by the environment-state critic.
//   dfa      (broadcast action gradient, docs/design.md §3.3) with g the critic's
//            broadcast estimate of dQ/da(s_t) (one value per action dimension) and B
//            the neuron's fixed feedback weights (the unit vector of its own action
//            dimension for an output neuron, random for a hidden one):
//            [K; b] += alpha_actor * (B.g) * sigma'(z) [v; 1]. Output neurons also
//            write their noise xi to out[width + n], for the critic.
// Storage: `cv` holds th_v (linear) or u_v, `cc` holds c or u_c, `wa` holds th_a
// (linear) or w_b, `wk` holds w_K (compatible only; empty for linear), `fb` the
// feedback weights B (dfa only: width x kMaxGradActions, derived from the seed).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coagent/aligned.hpp"
#include "coagent/config.hpp"
#include "coagent/random.hpp"

namespace coagent {

inline constexpr int kLane = 16;  // row padding: whole 16-lane vectors
constexpr int padded(int n) noexcept { return (n + kLane - 1) / kLane * kLane; }
static_assert(padded(kMaxGradActions) >= 2 * kMaxGradActions, "dfa: the noise must fit the padding");

// What the kernels read of a run's settings: rule_settings(cfg) builds it; its
// defaults are TrainConfig's (declared once, there).
struct RuleSettings {
  Rule rule = TrainConfig::defaults().rule;
  ActorStep actor_step = TrainConfig::defaults().actor_step;
  float gamma = static_cast<float>(TrainConfig::defaults().gamma);
  float alpha_actor = static_cast<float>(TrainConfig::defaults().alpha_actor);
  float alpha_critic = static_cast<float>(TrainConfig::defaults().alpha_critic);
  float alpha_value = static_cast<float>(TrainConfig::defaults().alpha_value);
  float trace_lambda = static_cast<float>(TrainConfig::defaults().trace_lambda);  // eligibility decay
  float max_weight_norm = static_cast<float>(TrainConfig::defaults().max_weight_norm);  // > 0: bound |[K; b]|
};
inline RuleSettings rule_settings(const TrainConfig& c) {
  return {c.rule,
          c.actor_step,
          static_cast<float>(c.gamma),
          static_cast<float>(c.alpha_actor),
          static_cast<float>(c.alpha_critic),
          static_cast<float>(c.alpha_value),
          static_cast<float>(c.trace_lambda),
          static_cast<float>(c.max_weight_norm)};
}

// The learned parameters of one layer.
struct LayerParams {
  int fan_in = 0;
  int width = 0;
  int stride = 0;              // padded(fan_in)
  AlignedFloats K;             // width x stride (row matrices start on a cache line)
  std::vector<float> b;        // width
  AlignedFloats cv;            // width x stride
  std::vector<float> cc;       // width
  AlignedFloats wk;            // width x stride (compatible) or empty
  std::vector<float> wa;       // width
  std::vector<float> fb;       // width x kMaxGradActions (dfa) or empty
  LayerParams() = default;
  LayerParams(int fan_in, int width, Rule rule);
};

// The instruction set the kernels (coagent/detail/neurons.hpp) run with: "generic" (x86-64 baseline),
// "avx2" (AVX2+FMA) or "avx512"; all give the same bits (-ffp-contract=off, fixed
// summation order). COAGENT_ISA in the environment chooses it, else the widest this
// CPU supports; decided at the first call, for the process. Throws
// std::invalid_argument naming the value when COAGENT_ISA is unknown or this CPU lacks
// it (Network's constructor calls it, so a bad value stops a run before it starts).
std::string_view kernel_isa();
// The instruction sets this CPU can run, narrowest first.
std::vector<std::string_view> available_isas();

// --- single-neuron forms, for tests and the gradient-alignment probe -------------

// The local critic's value Q(v, a) of neuron n.
double local_q(const RuleSettings& rs, const LayerParams& p, int n, const float* v,
               double a) noexcept;
// The neuron's actor step direction (gradient of its local critic w.r.t. [K; b] for
// the linear rule and compatible/plain; w for compatible/natural), evaluated at v.
// Writes fan_in + 1 values.
void actor_direction(const RuleSettings& rs, const LayerParams& p, int n, const float* v,
                     double* out) noexcept;

}  // namespace coagent
