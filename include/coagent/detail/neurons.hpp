// coagent/detail/neurons.hpp — the neuron kernels and their per-neuron state: what the
// network and the runtimes call (internal to the library; not a stable API: oneTBB's
// detail/ convention). The notation and the rules: coagent/rules.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "coagent/aligned.hpp"
#include "coagent/config.hpp"
#include "coagent/rules.hpp"

namespace coagent {

// What a neuron remembers of its last emitted step, per environment.
struct NeuronTrace {
  float y = 0.0f;       // y_t = tanh(z_t)
  float sp = 0.0f;      // sigma'(z_t)
  float xi = 0.0f;      // the noise added at t (0 if it did not explore)
  float a = 0.0f;       // the emitted voltage a_t
  std::uint8_t explored = 0;
  float g = 0.0f;       // the standard-normal draw behind xi (0 if it did not explore)
};

// A neuron's row update, recorded by learn and applied by the next sweep over the
// neuron's rows (the next emit, whichever environment it is for, or neurons_flush),
// so that a step reads and writes every row once (docs/design.md §3.4). The update of
// transition t = (v_prev, ...) is a step along v_prev, that call's input: the runtime
// keeps that frame and passes it as `v_old` to the call that applies it. Every element
// sees the same operations as an immediate update (y + s*x, then the dot products),
// so deferring changes no bit.
struct RowUpdate {
  std::uint8_t apply = 0;     // an update is waiting for the next sweep
  std::uint8_t apply_w = 0;   // compatible: wk += w * v_old (the neuron explored)
  std::uint8_t natural = 0;   // compatible, natural step: K += k * wk (after its update)
  std::int32_t env = 0;       // perturb: the environment whose trace the update decays
  float k = 0.0f, c = 0.0f, w = 0.0f;  // the steps of K (along v_old), cv and wk
  float decay = 0.0f, score = 0.0f;    // perturb: e = decay e + score v_old; K += k e
  // The sweep's dot products for this call's learn: cv.v_prev, cv.v_next, wk.v_prev
  // and (compatible, plain step) v_prev.v_prev.
  float c_prev = 0.0f, c_next = 0.0f, w_prev = 0.0f, v_sq = 0.0f;
};

// The per-neuron mutable state of a layer besides its parameters.
struct LayerState {
  LayerParams params;
  std::array<std::uint32_t, 2> noise_key{};  // Philox key of the layer's noise (seed, layer)
  std::vector<NeuronTrace> trace;   // envs x width: step t, being learnt
  std::vector<NeuronTrace> pending; // envs x width: step t+1, just emitted
  std::vector<RowUpdate> update;    // width: the row update the next sweep applies
  std::vector<float> noise;         // envs x width: the OU process
  // perturb only (empty otherwise): eligibility traces, envs x width x stride for K
  // and envs x width for b; reset at each episode's first frame.
  AlignedFloats elig;
  std::vector<float> elig_b;
  int envs = 1;
  // Statistics since they were last read (per neuron, written only by the neuron):
  // sum of |TD error|, sum of |xi|, learning steps.
  std::vector<double> stat_td_abs, stat_xi_abs;
  std::vector<std::uint32_t> stat_count;
};

// Where a frame sits in its environment's history, the counter of its exploration
// noise: the episode's index in that environment and the step within the episode.
struct NoiseClock {
  std::uint32_t episode = 0;
  std::uint32_t step = 0;
};

// What the environment broadcast about the transition being learnt.
struct StepSignal {
  float reward = 0.0f;
  bool terminated = false;
  float td = 0.0f;  // perturb: the environment-state critic's TD error for this step
  std::array<float, kMaxGradActions> grad{};  // dfa: the critic's dQ/da(s_t)
};

// first: an episode's first frame (emit, nothing to learn);
// mid:   emit a_{t+1}, then learn from transition t;
// last:  the episode's final observation: emit the greedy y (no exploration, the
//        environment will not act on it) and learn from the last transition,
//        bootstrapping unless it terminated.
enum class FrameKind : std::uint8_t { first, mid, last };

// The deterministic part of a neuron: y = tanh(K.v + b). Fixed-order two-accumulator dot
// product, so the result does not depend on alignment or on how the layer is split;
// tanh is our own (kernels' detmath.inc), the same bits on every instruction set.
float dot_padded(const float* a, const float* b, int stride) noexcept;

// Emit (the sweep): neurons [begin, end) of a layer first apply the row update their
// last learn recorded (RowUpdate; `v_old` is that call's v_prev, nullptr when
// rows_pending() said none), then read the new frame v_next of environment `env` and
// write their voltages to out[begin..end) (a = y + xi, or the greedy y for kind ==
// last), with the exploration noise counted by `clock`, and take the dot products
// this call's learn needs (with v_prev, the frame before v_next; unused when kind ==
// first). With explore == false (the layer sits out this episode's exploration) they
// emit y, draw nothing, and their OU state is reset. Each row is read and written
// once.
void neurons_emit(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer, int env,
                  int begin, int end, const float* v_old, const float* v_prev,
                  const float* v_next, FrameKind kind, float* out, bool explore,
                  NoiseClock clock) noexcept;

// Learn: the same neurons learn from transition t = (v_prev, a_t, r_t, done_t,
// v_next): scalar work on the sweep's dot products; the row steps are recorded in
// `update` for the next sweep (with max_weight_norm > 0 they are applied at once,
// followed by the bound). Then the step just emitted becomes their current one. Call
// after neurons_emit for the same frame; does nothing to parameters when kind ==
// first or the layer is frozen. Frames have params.stride floats, zero padded.
void neurons_learn(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                   int env, int begin, int end, const float* v_prev, StepSignal signal,
                   FrameKind kind) noexcept;

// Whether neurons_learn leaves row updates for the next sweep (then the caller keeps
// v_prev and passes it as the next call's v_old): the same answer for every range.
bool rows_pending(const LayerSpec& spec, const RuleSettings& rs, const LayerState& layer,
                  FrameKind kind) noexcept;

// Applies the row updates of neurons [begin, end) now (v_old as for neurons_emit):
// call before reading their parameters, e.g. when a run ends.
void neurons_flush(const RuleSettings& rs, LayerState& layer, int begin, int end,
                   const float* v_old) noexcept;

// Both, block by block: what one neuron does with one frame.
void neurons_step(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                  int env, int begin, int end, const float* v_old, const float* v_prev,
                  const float* v_next, StepSignal signal, FrameKind kind, float* out,
                  bool explore, NoiseClock clock) noexcept;

// Greedy output (no noise, no learning) of neurons [begin, end).
void neurons_greedy(const LayerParams& p, int begin, int end, const float* v,
                    float* out) noexcept;

// The kernels' own tanh on n values (in and out may alias): a fixed operation order
// without libm, accurate to a few ulp, the same bits on every instruction set.
void det_tanh(const float* in, float* out, int n) noexcept;
// The kernels' standard normal draw from Philox words (radius, angle), n of them.
void det_normal(const std::uint32_t* radius, const std::uint32_t* angle, float* out,
                int n) noexcept;

// One read+write pass over x[0..n) (x = 0.999 x + 0.001) with the kernels' vector code
// and instruction set: what `coagent bench` times for the machine's streaming bandwidth.
void stream_pass(float* x, std::size_t n) noexcept;

}  // namespace coagent
