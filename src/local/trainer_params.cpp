// src/local/trainer_params.cpp — Trainer::named_parameters() and set_named_parameters(): the
// learned arrays by name, without the row padding, as doubles (every float converts
// exactly, so reading and writing back leaves the digest unchanged). With obs-norm running
// the observation statistics come last: obs.count (one value), obs.mean and obs.m2 (the sum
// of squared deviations, Welford's), doubles as they are kept.
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

#include "coagent/env_critic.hpp"
#include "coagent/trainer.hpp"

namespace coagent {
namespace {

// Where one named array lives: its shape and the float storage (a row matrix whose
// rows start `stride` floats apart, or a vector).
struct Slot {
  std::vector<int> shape;
  float* data = nullptr;
  int stride = 0;
};

template <class Fn>
void for_each_slot(const Network& net, const EnvCritic* critic, Fn&& fn) {
  for (int l = 0; l < net.num_layers(); ++l) {
    // const_cast: the same walk serves the reader and the writer; only set_parameters
    // writes, through a Trainer it owns.
    auto& p = const_cast<LayerParams&>(net.layer(l).params);
    const std::string at = fmt::format("layer{}.", l + 1);
    auto matrix = [&](const char* name, AlignedFloats& m) {
      if (!m.empty()) fn(at + name, Slot{{p.width, p.fan_in}, m.data(), p.stride});
    };
    auto vector = [&](const char* name, std::vector<float>& v) {
      if (!v.empty()) fn(at + name, Slot{{p.width}, v.data(), 0});
    };
    matrix("K", p.K), vector("b", p.b), matrix("cv", p.cv), vector("cc", p.cc);
    matrix("wk", p.wk), vector("wa", p.wa);
  }
  if (critic) {
    auto& c = const_cast<EnvCritic&>(*critic);
    fn("critic.u", Slot{{static_cast<int>(c.weights().size())}, c.weights().data(), 0});
    if (!c.action_weights().empty())
      fn("critic.w", Slot{{static_cast<int>(c.action_weights().size())}, c.action_weights().data(), 0});
  }
}

// Element (r, c) of a slot: a matrix row starts every `stride` floats.
float& element(const Slot& s, int r, int c) { return s.data[r * s.stride + c]; }
int rows(const Slot& s) { return s.shape.size() == 2 ? s.shape[0] : 1; }

// obs-norm running: the statistics as named arrays, and their checks.
void add_obs_stats(const Network& net, std::vector<NamedArray>& out) {
  if (net.obs_norm() != ObsNorm::running) return;
  const RunningStats& st = net.obs_stats();
  const int n = static_cast<int>(st.mean.size());
  out.push_back({"obs.count", {1}, {static_cast<double>(st.count)}});
  out.push_back({"obs.mean", {n}, st.mean});
  out.push_back({"obs.m2", {n}, st.m2});
}

// Sets the statistics from `a` if it names one (true); throws naming a bad value.
bool set_obs_stat(Network& net, const NamedArray& a, bool write) {
  if (net.obs_norm() != ObsNorm::running || !a.name.starts_with("obs.")) return false;
  RunningStats& st = net.obs_stats();
  const bool is_count = a.name == "obs.count";
  std::vector<double>* dst = a.name == "obs.mean" ? &st.mean : a.name == "obs.m2" ? &st.m2 : nullptr;
  if (!is_count && !dst) return false;
  const std::vector<int> shape = {is_count ? 1 : static_cast<int>(st.mean.size())};
  if (a.shape != shape || a.values.size() != static_cast<std::size_t>(shape[0]))
    throw std::invalid_argument(fmt::format("parameter '{}' must have shape ({}), got ({})", a.name,
                                            shape[0], fmt::join(a.shape, ", ")));
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const double v = a.values[i];
    const bool ok = std::isfinite(v) && (a.name == "obs.mean" || v >= 0.0) &&
                    (!is_count || (v == std::floor(v) && v < 9.0e15));
    if (!ok)
      throw std::invalid_argument(fmt::format(
          "parameter '{}' value {} at flat index {} is not {}", a.name, v, i,
          is_count ? "a whole count >= 0" : a.name == "obs.m2" ? "finite and >= 0" : "finite"));
  }
  if (write) {
    if (is_count) st.count = static_cast<std::int64_t>(a.values[0]);
    else *dst = a.values;
  }
  return true;
}

std::size_t count(const std::vector<int>& shape) {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

}  // namespace

std::vector<NamedArray> Trainer::named_parameters() const {
  std::vector<NamedArray> out;
  for_each_slot(net_, critic_.get(), [&](const std::string& name, const Slot& s) {
    NamedArray a{name, s.shape, {}};
    a.values.reserve(count(s.shape));
    for (int r = 0; r < rows(s); ++r)
      for (int c = 0; c < s.shape.back(); ++c) a.values.push_back(element(s, r, c));
    out.push_back(std::move(a));
  });
  add_obs_stats(net_, out);
  return out;
}

void Trainer::set_named_parameters(const std::vector<NamedArray>& arrays) {
  std::map<std::string, Slot> slots;
  for_each_slot(net_, critic_.get(), [&](const std::string& name, const Slot& s) { slots[name] = s; });
  // Check everything first, so that a bad array leaves the model untouched.
  for (const NamedArray& a : arrays) {
    if (set_obs_stat(net_, a, false)) continue;
    const auto it = slots.find(a.name);
    if (it == slots.end()) {
      std::string known;
      for (const auto& [name, s] : slots) known += (known.empty() ? "" : ", ") + name;
      if (net_.obs_norm() == ObsNorm::running) known += ", obs.count, obs.mean, obs.m2";
      throw std::invalid_argument(fmt::format("unknown parameter '{}'; this model has {}", a.name, known));
    }
    if (a.shape != it->second.shape || a.values.size() != count(a.shape))
      throw std::invalid_argument(fmt::format("parameter '{}' must have shape ({}), got ({})", a.name,
                                              fmt::join(it->second.shape, ", "), fmt::join(a.shape, ", ")));
    for (std::size_t i = 0; i < a.values.size(); ++i)
      if (!std::isfinite(a.values[i]) || std::fabs(a.values[i]) > 3.4e38)
        throw std::invalid_argument(fmt::format("parameter '{}' value {} at flat index {} is not a finite float",
                                                a.name, a.values[i], i));
  }
  for (const NamedArray& a : arrays) {
    if (set_obs_stat(net_, a, true)) continue;
    const Slot& s = slots.at(a.name);
    const int cols = s.shape.back();
    for (int r = 0; r < rows(s); ++r)
      for (int c = 0; c < cols; ++c)
        element(s, r, c) = static_cast<float>(a.values[static_cast<std::size_t>(r * cols + c)]);
  }
}

}  // namespace coagent
