// src/rules/rules.cpp — the three local rules (linear, compatible, perturb; docs/design.md §3) as plain loops over a
// layer's rows. No threads, no I/O, no allocation.
#include "coagent/rules.hpp"

#include <cmath>

namespace coagent {

LayerParams::LayerParams(int fan_in_, int width_, Rule rule)
    : fan_in(fan_in_),
      width(width_),
      stride(padded(fan_in_)),
      K(static_cast<std::size_t>(width_) * padded(fan_in_), 0.0f),
      b(width_, 0.0f),
      cv(static_cast<std::size_t>(width_) * padded(fan_in_), 0.0f),
      cc(width_, 0.0f),
      wk(rule == Rule::compatible ? static_cast<std::size_t>(width_) * padded(fan_in_) : 0,
         0.0f),
      wa(width_, 0.0f),
      fb(rule == Rule::dfa ? static_cast<std::size_t>(width_) * kMaxGradActions : 0, 0.0f) {}

float dot_padded(const float* a, const float* b, int stride) noexcept {
  // Eight independent partial sums in a fixed order: the compiler vectorises this
  // without -ffast-math, and the result is the same for every caller.
  float acc[kLane] = {};
  for (int i = 0; i < stride; i += kLane)
    for (int k = 0; k < kLane; ++k) acc[k] += a[i + k] * b[i + k];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

namespace {

// dot_padded(a, x) and dot_padded(a, y) in one pass over a, with exactly the same
// per-product arithmetic (so results are bit-identical to two separate calls).
inline void dot2_padded(const float* a, const float* x, const float* y, int stride,
                        float& ax, float& ay) noexcept {
  float acc_x[kLane] = {}, acc_y[kLane] = {};
  for (int i = 0; i < stride; i += kLane)
    for (int k = 0; k < kLane; ++k) {
      acc_x[k] += a[i + k] * x[i + k];
      acc_y[k] += a[i + k] * y[i + k];
    }
  ax = ((acc_x[0] + acc_x[1]) + (acc_x[2] + acc_x[3])) + ((acc_x[4] + acc_x[5]) + (acc_x[6] + acc_x[7]));
  ay = ((acc_y[0] + acc_y[1]) + (acc_y[2] + acc_y[3])) + ((acc_y[4] + acc_y[5]) + (acc_y[6] + acc_y[7]));
}

inline void axpy(float* y, float alpha, const float* x, int stride) noexcept {
  for (int i = 0; i < stride; ++i) y[i] += alpha * x[i];
}

// Exploration noise for one neuron at one step (docs/design.md §3, explore_fraction); `g`
// receives the standard-normal draw behind it (0 when the neuron does not explore).
inline float draw_noise(const LayerSpec& spec, Pcg32& rng, float& ou, bool& explored,
                        float& g_out) noexcept {
  g_out = 0.0f;
  explored = spec.explore_fraction >= 1.0 || rng.uniform() < spec.explore_fraction;
  if (!explored || spec.noise_scale == 0.0) return 0.0f;
  const double g = rng.normal();
  g_out = static_cast<float>(g);
  if (spec.noise == NoiseKind::gaussian) return static_cast<float>(spec.noise_scale * g);
  ou = static_cast<float>(ou - spec.ou_theta * ou * spec.ou_dt +
                          spec.noise_scale * std::sqrt(spec.ou_dt) * g);
  return ou;
}

// Saturation control: scale [K; b] of neuron n back onto the ball of radius `bound`.
inline void bound_norm(LayerParams& p, int n, float bound) noexcept {
  if (bound <= 0.0f) return;
  float* K = &p.K[static_cast<std::size_t>(n) * p.stride];
  const float norm2 = dot_padded(K, K, p.stride) + p.b[n] * p.b[n];
  if (norm2 <= bound * bound) return;
  const float s = bound / std::sqrt(norm2);
  for (int i = 0; i < p.stride; ++i) K[i] *= s;
  p.b[n] *= s;
}

float learn_linear(const RuleSettings& rs, float alpha_a, LayerParams& p, int n,
                   const NeuronTrace& t, const NeuronTrace& next, const float* v0,
                   const float* v1, StepSignal sig) noexcept {
  const int S = p.stride;
  float* cv = &p.cv[static_cast<std::size_t>(n) * S];
  float cv_v0, cv_v1;
  dot2_padded(cv, v0, v1, S, cv_v0, cv_v1);
  const float q_now = cv_v0 + p.wa[n] * t.a + p.cc[n];
  const float q_next = sig.terminated ? 0.0f : cv_v1 + p.wa[n] * next.y + p.cc[n];
  const float delta = sig.reward + rs.gamma * q_next - q_now;
  const float g = rs.alpha_critic * delta;
  axpy(cv, g, v0, S);
  p.cc[n] += g;
  if (t.explored) p.wa[n] += g * t.a;
  // DPG through the neuron only: dQ/da * da/d[K;b] = th_a * sigma'(z_t) * [v_t; 1].
  const float s = alpha_a * p.wa[n] * t.sp;
  axpy(&p.K[static_cast<std::size_t>(n) * S], s, v0, S);
  p.b[n] += s;
  return delta;
}

float learn_compatible(const RuleSettings& rs, float alpha_a, LayerParams& p, int n,
                       const NeuronTrace& t, const float* v0, const float* v1,
                       StepSignal sig) noexcept {
  const int S = p.stride;
  float* cv = &p.cv[static_cast<std::size_t>(n) * S];
  float* wk = &p.wk[static_cast<std::size_t>(n) * S];
  const float phi_w = t.sp * (dot_padded(wk, v0, S) + p.wa[n]);
  float cv_v0, cv_v1;
  dot2_padded(cv, v0, v1, S, cv_v0, cv_v1);
  const float q_now = t.xi * phi_w + cv_v0 + p.cc[n];
  const float v_next = sig.terminated ? 0.0f : cv_v1 + p.cc[n];
  const float delta = sig.reward + rs.gamma * v_next - q_now;
  if (t.explored) {
    // w += alpha_w * delta * xi * phi, phi = sigma'(z_t) [v_t; 1]
    const float gw = rs.alpha_critic * delta * t.xi * t.sp;
    axpy(wk, gw, v0, S);
    p.wa[n] += gw;
  }
  const float gu = rs.alpha_value * delta;
  axpy(cv, gu, v0, S);
  p.cc[n] += gu;
  float* K = &p.K[static_cast<std::size_t>(n) * S];
  if (rs.actor_step == ActorStep::natural) {
    axpy(K, alpha_a, wk, S);
    p.b[n] += alpha_a * p.wa[n];
  } else {
    const float phi_w_new = t.sp * (dot_padded(wk, v0, S) + p.wa[n]);
    const float s = alpha_a * phi_w_new * t.sp;
    axpy(K, s, v0, S);
    p.b[n] += s;
  }
  return delta;
}

// Node perturbation (docs/design.md §3.1): the broadcast TD error times the neuron's
// eligibility trace of its own policy score.
float learn_perturb(const RuleSettings& rs, float alpha_a, LayerParams& p, int n,
                    const NeuronTrace& t, float* e, float& e_b, const float* v0,
                    StepSignal sig) noexcept {
  const int S = p.stride;
  const float decay = rs.gamma * rs.trace_lambda;
  const float score = t.g * t.sp;
  for (int i = 0; i < S; ++i) e[i] = decay * e[i] + score * v0[i];
  e_b = decay * e_b + score;
  const float s = alpha_a * sig.td;
  axpy(&p.K[static_cast<std::size_t>(n) * S], s, e, S);
  p.b[n] += s * e_b;
  return sig.td;
}

// Broadcast action gradient (docs/design.md §3.3): the critic's dQ/da, projected on
// the neuron's feedback weights, through the neuron alone.
void learn_dfa(float alpha_a, LayerParams& p, int n, const NeuronTrace& t, const float* v0,
               StepSignal sig) noexcept {
  const float* B = &p.fb[static_cast<std::size_t>(n) * kMaxGradActions];
  float drive = 0.0f;
  for (int k = 0; k < kMaxGradActions; ++k) drive += B[k] * sig.grad[k];
  const float s = alpha_a * drive * t.sp;
  axpy(&p.K[static_cast<std::size_t>(n) * p.stride], s, v0, p.stride);
  p.b[n] += s;
}

}  // namespace

void neurons_emit(const LayerSpec& spec, LayerState& layer, int env, int begin, int end,
                  const float* v_next, FrameKind kind, float* out, bool explore) noexcept {
  LayerParams& p = layer.params;
  const std::size_t base = static_cast<std::size_t>(env) * p.width;
  NeuronTrace* pending = layer.pending.data() + base;
  float* ou = layer.noise.data() + base;
  for (int n = begin; n < end; ++n) {
    const float z = dot_padded(&p.K[static_cast<std::size_t>(n) * p.stride], v_next, p.stride) + p.b[n];
    const float y = std::tanh(z);
    NeuronTrace& nt = pending[n];
    nt.y = y;
    nt.sp = 1.0f - y * y;
    if (kind == FrameKind::last) {
      nt.xi = 0.0f;
      nt.g = 0.0f;
      nt.explored = 0;
      out[n] = y;
      continue;
    }
    if (kind == FrameKind::first || !explore) ou[n] = 0.0f;
    bool explored = false;
    nt.g = 0.0f;
    nt.xi = explore ? draw_noise(spec, layer.rng[n], ou[n], explored, nt.g) : 0.0f;
    nt.explored = explored ? 1 : 0;
    nt.a = y + nt.xi;
    out[n] = nt.a;
  }
  // dfa: the output layer's noise rides in the output frame's padding.
  if (spec.output && !p.fb.empty())
    for (int n = begin; n < end; ++n) out[p.width + n] = pending[n].xi;
}

void neurons_learn(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                   int env, int begin, int end, const float* v_prev, const float* v_next,
                   StepSignal signal, FrameKind kind) noexcept {
  LayerParams& p = layer.params;
  const std::size_t base = static_cast<std::size_t>(env) * p.width;
  NeuronTrace* trace = layer.trace.data() + base;
  const NeuronTrace* pending = layer.pending.data() + base;
  const bool perturb = rs.rule == Rule::perturb && !layer.elig.empty();
  float* elig = perturb ? layer.elig.data() + base * p.stride : nullptr;
  float* elig_b = perturb ? layer.elig_b.data() + base : nullptr;
  if (kind == FrameKind::first && perturb) {
    std::fill(elig + static_cast<std::size_t>(begin) * p.stride,
              elig + static_cast<std::size_t>(end) * p.stride, 0.0f);
    std::fill(elig_b + begin, elig_b + end, 0.0f);
  }
  if (kind != FrameKind::first && spec.learn) {
    const bool stats = !layer.stat_count.empty();
    const float alpha_a =
        spec.alpha_actor >= 0.0 ? static_cast<float>(spec.alpha_actor) : rs.alpha_actor;
    for (int n = begin; n < end; ++n) {
      float delta = 0.0f;
      switch (rs.rule) {
        case Rule::linear:
          delta = learn_linear(rs, alpha_a, p, n, trace[n], pending[n], v_prev, v_next, signal);
          break;
        case Rule::compatible:
          delta = learn_compatible(rs, alpha_a, p, n, trace[n], v_prev, v_next, signal);
          break;
        case Rule::dfa:
          learn_dfa(alpha_a, p, n, trace[n], v_prev, signal);
          delta = signal.td;
          break;
        case Rule::perturb:
          if (perturb)
            delta = learn_perturb(rs, alpha_a, p, n, trace[n],
                                  elig + static_cast<std::size_t>(n) * p.stride, elig_b[n],
                                  v_prev, signal);
          break;
      }
      bound_norm(p, n, rs.max_weight_norm);
      if (stats) {
        layer.stat_td_abs[n] += std::fabs(delta);
        layer.stat_xi_abs[n] += std::fabs(trace[n].xi);
        ++layer.stat_count[n];
      }
    }
  }
  for (int n = begin; n < end; ++n) trace[n] = pending[n];
}

void neurons_step(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                  int env, int begin, int end, const float* v_prev, const float* v_next,
                  StepSignal signal, FrameKind kind, float* out, bool explore) noexcept {
  neurons_emit(spec, layer, env, begin, end, v_next, kind, out, explore);
  neurons_learn(spec, rs, layer, env, begin, end, v_prev, v_next, signal, kind);
}

void neurons_greedy(const LayerParams& p, int begin, int end, const float* v,
                    float* out) noexcept {
  for (int n = begin; n < end; ++n)
    out[n] = std::tanh(dot_padded(&p.K[static_cast<std::size_t>(n) * p.stride], v, p.stride) + p.b[n]);
}

double local_q(const RuleSettings& rs, const LayerParams& p, int n, const float* v,
               double a) noexcept {
  const std::size_t row = static_cast<std::size_t>(n) * p.stride;
  double value = p.cc[n];
  for (int i = 0; i < p.fan_in; ++i) value += static_cast<double>(p.cv[row + i]) * v[i];
  if (rs.rule == Rule::linear) return value + static_cast<double>(p.wa[n]) * a;
  double z = p.b[n];
  for (int i = 0; i < p.fan_in; ++i) z += static_cast<double>(p.K[row + i]) * v[i];
  const double y = std::tanh(z);
  const double sp = 1.0 - y * y;
  double phi_w = p.wa[n];
  for (int i = 0; i < p.fan_in; ++i) phi_w += static_cast<double>(p.wk[row + i]) * v[i];
  return (a - y) * sp * phi_w + value;
}

void actor_direction(const RuleSettings& rs, const LayerParams& p, int n, const float* v,
                     double* out) noexcept {
  const std::size_t row = static_cast<std::size_t>(n) * p.stride;
  double z = p.b[n];
  for (int i = 0; i < p.fan_in; ++i) z += static_cast<double>(p.K[row + i]) * v[i];
  const double y = std::tanh(z);
  const double sp = 1.0 - y * y;
  if (rs.rule == Rule::linear) {
    const double s = static_cast<double>(p.wa[n]) * sp;
    for (int i = 0; i < p.fan_in; ++i) out[i] = s * v[i];
    out[p.fan_in] = s;
    return;
  }
  if (rs.actor_step == ActorStep::natural) {
    for (int i = 0; i < p.fan_in; ++i) out[i] = p.wk[row + i];
    out[p.fan_in] = p.wa[n];
    return;
  }
  double phi_w = p.wa[n];
  for (int i = 0; i < p.fan_in; ++i) phi_w += static_cast<double>(p.wk[row + i]) * v[i];
  phi_w *= sp;
  for (int i = 0; i < p.fan_in; ++i) out[i] = sp * v[i] * phi_w;
  out[p.fan_in] = sp * phi_w;
}

}  // namespace coagent
