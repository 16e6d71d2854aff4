// src/runtime/trainer_params.cpp — Trainer::named_parameters() and set_named_parameters(): the
// learned arrays by name, without the row padding, as doubles (every float converts
// exactly, so reading and writing back leaves the digest unchanged).
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
  return out;
}

void Trainer::set_named_parameters(const std::vector<NamedArray>& arrays) {
  std::map<std::string, Slot> slots;
  for_each_slot(net_, critic_.get(), [&](const std::string& name, const Slot& s) { slots[name] = s; });
  // Check everything first, so that a bad array leaves the model untouched.
  for (const NamedArray& a : arrays) {
    const auto it = slots.find(a.name);
    if (it == slots.end()) {
      std::string known;
      for (const auto& [name, s] : slots) known += (known.empty() ? "" : ", ") + name;
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
    const Slot& s = slots.at(a.name);
    const int cols = s.shape.back();
    for (int r = 0; r < rows(s); ++r)
      for (int c = 0; c < cols; ++c)
        element(s, r, c) = static_cast<float>(a.values[static_cast<std::size_t>(r * cols + c)]);
  }
}

}  // namespace coagent
