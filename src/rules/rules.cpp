// src/rules/rules.cpp — the local rules' entry points: storage, the choice of kernel
// build (kernels.hpp) and the double-precision single-neuron forms. The kernels
// themselves are in kernels.inc.
#include "coagent/detail/neurons.hpp"
#include "coagent/rules.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "rules/kernels.hpp"

namespace coagent {

LayerParams::LayerParams(int fan_in_, int width_, Rule rule)
    : fan_in(fan_in_),
      width(width_),
      stride(padded(fan_in_)),
      K(static_cast<std::size_t>(width_) * padded(fan_in_), 0.0f),
      b(width_, 0.0f),
      cv(static_cast<std::size_t>(width_) * padded(fan_in_), 0.0f),
      cc(width_, 0.0f),
      wk(rule_info(rule).compatible_features ? static_cast<std::size_t>(width_) * padded(fan_in_)
                                              : 0,
         0.0f),
      wa(width_, 0.0f),
      fb(rule_info(rule).action_gradient ? static_cast<std::size_t>(width_) * kMaxGradActions : 0,
         0.0f) {}


namespace {

struct Choice {
  const kernels::Table* table = &kernels::generic::table;
  std::string_view name = "generic";
  std::string error;  // COAGENT_ISA named something unknown or unsupported
};

bool supported(std::string_view isa) noexcept {
  if (isa == "generic") return true;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa == "avx512")
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return false;
}

const kernels::Table* table_of(std::string_view isa) noexcept {
  if (isa == "avx2") return &kernels::avx2::table;
  if (isa == "avx512") return &kernels::avx512::table;
  return &kernels::generic::table;
}

const Choice& choice() {
  static const Choice c = [] {
    Choice r;
    const char* env = std::getenv("COAGENT_ISA");
    if (env && *env) {
      const std::string_view want(env);
      if (want != "generic" && want != "avx2" && want != "avx512") {
        r.error = "COAGENT_ISA='" + std::string(want) + "' is not generic, avx2 or avx512";
      } else if (!supported(want)) {
        r.error = "COAGENT_ISA='" + std::string(want) + "': this CPU does not support it";
      } else {
        r.name = want == "avx2" ? "avx2" : want == "avx512" ? "avx512" : "generic";
      }
    } else {
      for (std::string_view isa : {"avx2", "avx512"})
        if (supported(isa)) r.name = isa;
    }
    r.table = table_of(r.name);
    return r;
  }();
  return c;
}

}  // namespace

std::string_view kernel_isa() {
  const Choice& c = choice();
  if (!c.error.empty()) throw std::invalid_argument(c.error);
  return c.name;
}

std::vector<std::string_view> available_isas() {
  std::vector<std::string_view> out;
  for (std::string_view isa : {"generic", "avx2", "avx512"})
    if (supported(isa)) out.push_back(isa);
  return out;
}

float dot_padded(const float* a, const float* b, int stride) noexcept {
  return choice().table->dot(a, b, stride);
}

void neurons_emit(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer, int env,
                  int begin, int end, const float* v_old, const float* v_prev,
                  const float* v_next, FrameKind kind, float* out, bool explore,
                  NoiseClock clock) noexcept {
  choice().table->emit(spec, rs, layer, env, begin, end, v_old, v_prev, v_next, kind, out,
                       explore, clock);
}

void neurons_learn(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                   int env, int begin, int end, const float* v_prev, StepSignal signal,
                   FrameKind kind) noexcept {
  choice().table->learn(spec, rs, layer, env, begin, end, v_prev, signal, kind);
}

bool rows_pending(const LayerSpec& spec, const RuleSettings& rs, const LayerState& layer,
                  FrameKind kind) noexcept {
  return kind != FrameKind::first && spec.learn && rs.max_weight_norm <= 0.0f &&
         (!rule_info(rs.rule).eligibility || !layer.elig.empty());
}

void neurons_flush(const RuleSettings& rs, LayerState& layer, int begin, int end,
                   const float* v_old) noexcept {
  choice().table->flush(rs, layer, begin, end, v_old);
}

void neurons_step(const LayerSpec& spec, const RuleSettings& rs, LayerState& layer,
                  int env, int begin, int end, const float* v_old, const float* v_prev,
                  const float* v_next, StepSignal signal, FrameKind kind, float* out,
                  bool explore, NoiseClock clock) noexcept {
  choice().table->step(spec, rs, layer, env, begin, end, v_old, v_prev, v_next, signal, kind,
                       out, explore, clock);
}

void neurons_greedy(const LayerParams& p, int begin, int end, const float* v,
                    float* out) noexcept {
  choice().table->greedy(p, begin, end, v, out);
}

void stream_pass(float* x, std::size_t n) noexcept { choice().table->stream(x, n); }

void det_tanh(const float* in, float* out, int n) noexcept { choice().table->tanh(in, out, n); }

void det_normal(const std::uint32_t* radius, const std::uint32_t* angle, float* out,
                int n) noexcept {
  choice().table->normal(radius, angle, out, n);
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
