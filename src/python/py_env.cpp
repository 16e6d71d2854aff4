// src/python/py_env.cpp — PyEnv: a duck-typed Gymnasium-API Python object as an Env.
#include "python/py_env.hpp"

#include <fmt/format.h>
#include <pybind11/numpy.h>

#include <cmath>
#include <stdexcept>

namespace coagent::python {
namespace {

using F64Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::string type_name(py::handle o) { return py::str(py::type::of(o).attr("__name__")); }

// `space.low` / `space.high` as float64 values.
std::vector<double> bound_values(py::handle space, const char* attr, const std::string& what) {
  if (!py::hasattr(space, attr))
    throw std::invalid_argument(fmt::format("{} has no '{}' (a Box space is needed)", what, attr));
  const F64Array a = F64Array::ensure(space.attr(attr));
  if (!a) {
    PyErr_Clear();
    throw std::invalid_argument(fmt::format("{}.{} is not numeric", what, attr));
  }
  return {a.data(), a.data() + a.size()};
}

struct Space {
  std::vector<double> low, high;
  std::vector<py::ssize_t> shape;
};

Space read_box(py::handle env, const char* attr) {
  const std::string what = fmt::format("{}", attr);
  if (!py::hasattr(env, attr))
    throw std::invalid_argument(fmt::format("the environment has no {} (Gymnasium's API needs one)", attr));
  const py::object space = env.attr(attr);
  Space s;
  s.low = bound_values(space, "low", what);
  s.high = bound_values(space, "high", what);
  py::ssize_t n = 1;
  if (py::hasattr(space, "shape") && !space.attr("shape").is_none()) {
    for (py::handle d : py::iter(space.attr("shape"))) {
      s.shape.push_back(d.cast<py::ssize_t>());
      n *= s.shape.back();
    }
  } else {
    s.shape = {static_cast<py::ssize_t>(s.low.size())};
    n = s.shape[0];
  }
  if (n < 1 || static_cast<py::ssize_t>(s.low.size()) != n ||
      static_cast<py::ssize_t>(s.high.size()) != n)
    throw std::invalid_argument(fmt::format(
        "{}: low and high must have shape's {} values (low {}, high {})", what, n, s.low.size(),
        s.high.size()));
  for (std::size_t i = 0; i < s.low.size(); ++i)
    if (std::isnan(s.low[i]) || std::isnan(s.high[i]) || !(s.low[i] < s.high[i]))
      throw std::invalid_argument(fmt::format("{}: bound {} needs low < high (low {}, high {})",
                                              what, i, s.low[i], s.high[i]));
  return s;
}

// getattr(env.spec, attr) or None.
py::object spec_attr(py::handle env, const char* attr) {
  const py::object spec = py::getattr(env, "spec", py::none());
  if (spec.is_none()) return py::none();
  return py::getattr(spec, attr, py::none());
}

}  // namespace

bool Gil::ensure_thread_state() {
  thread_local const bool kept = [] {
    if (PyGILState_GetThisThreadState() == nullptr) {
      PyGILState_Ensure();  // never released: the state lives as long as the thread
      PyEval_SaveThread();
    }
    return true;
  }();
  return kept;
}

PyRef make_ref(py::object o) {
  return PyRef(new py::object(std::move(o)), [](py::object* p) {
    Gil gil;
    delete p;
  });
}

void ErrorSlot::keep(std::exception_ptr e) {
  std::lock_guard lock(mu_);
  if (!first_) first_ = std::move(e);
}

std::exception_ptr ErrorSlot::take() {
  std::lock_guard lock(mu_);
  return std::exchange(first_, nullptr);
}

void ErrorSlot::rethrow() {
  if (std::exception_ptr kept = take()) std::rethrow_exception(kept);
}

PyEnv::PyEnv(PyRef env, PyEnvOptions options, std::shared_ptr<ErrorSlot> slot)
    : env_(std::move(env)), options_(std::move(options)), slot_(std::move(slot)) {
  const py::handle e = *env_;
  for (const char* m : {"reset", "step"})
    if (!py::hasattr(e, m))
      throw std::invalid_argument(fmt::format("the environment ({}) has no {}() (Gymnasium's API needs one)",
                                              type_name(e), m));
  Space obs = read_box(e, "observation_space");
  if (options_.obs_norm)  // the network checks too; this says it in Python's terms
    for (std::size_t i = 0; i < obs.low.size(); ++i)
      if (!std::isfinite(obs.low[i]) || !std::isfinite(obs.high[i]))
        throw std::invalid_argument(fmt::format(
            "observation_space bound {} is infinite (low {}, high {}): coagent encodes observations "
            "to [-1, 1] by their bounds; give the space finite bounds or pass obs_norm='running' "
            "(running mean/std) or obs_norm=False",
            i, obs.low[i], obs.high[i]));
  obs_low_ = std::move(obs.low), obs_high_ = std::move(obs.high);
  Space act = read_box(e, "action_space");
  for (std::size_t i = 0; i < act.low.size(); ++i)
    if (!std::isfinite(act.low[i]) || !std::isfinite(act.high[i]))
      throw std::invalid_argument(fmt::format(
          "action_space bound {} is infinite (low {}, high {}): the actor's output is decoded to "
          "the action bounds, which must be finite", i, act.low[i], act.high[i]));
  act_low_ = std::move(act.low), act_high_ = std::move(act.high);
  action_shape_ = std::move(act.shape);
  if (const py::object dt = py::getattr(e.attr("action_space"), "dtype", py::none()); !dt.is_none()) {
    const py::dtype d = py::dtype::from_args(dt);
    if (d.kind() != 'f')
      throw std::invalid_argument(fmt::format(
          "action_space has dtype {}: coagent's actors emit real numbers, so a Box of a floating "
          "dtype is needed", py::str(dt).cast<std::string>()));
    if (!d.is(py::dtype::of<double>()) && !d.equal(py::dtype::of<double>())) action_dtype_ = make_ref(d);
  }
  const py::object unwrapped = py::getattr(e, "unwrapped", py::none());
  const py::object cpp = unwrapped.is_none() ? py::object(py::none()) : py::getattr(unwrapped, "_cpp", py::none());
  if (!cpp.is_none() && py::isinstance<Env>(cpp)) {
    inner_ = cpp.cast<Env*>();
    inner_ref_ = make_ref(cpp);
  }
  if (inner_) {  // the built-in's float64 bounds, not the float32 Box's rounding of them
    const Box ob = inner_->observation_bounds(), ab = inner_->action_bounds();
    if (ob.low.size() == obs_low_.size() && ab.low.size() == act_low_.size())
      obs_low_ = ob.low, obs_high_ = ob.high, act_low_ = ab.low, act_high_ = ab.high;
  }
  if (const py::object m = spec_attr(e, "max_episode_steps"); !m.is_none())
    max_steps_ = m.cast<std::int64_t>();
  if (const py::object t = spec_attr(e, "reward_threshold"); !t.is_none())
    reward_threshold_ = t.cast<double>();
}

template <class F>
auto PyEnv::guarded(const char* what, F&& f) {
  Gil gil;
  try {
    return f();
  } catch (py::error_already_set& e) {
    const std::string msg =
        fmt::format("environment '{}' raised in {}(): {}", options_.name, what, e.what());
    slot_->keep(std::current_exception());
    throw std::runtime_error(msg);
  } catch (const std::exception& e) {
    slot_->keep(std::current_exception());
    throw;
  }
}

void PyEnv::read_observation(py::handle o, std::span<double> obs, const char* what) const {
  const F64Array a = F64Array::ensure(o);
  if (!a) {
    PyErr_Clear();
    throw std::invalid_argument(fmt::format("environment '{}': {}() returned a non-numeric observation ({})",
                                            options_.name, what, type_name(o)));
  }
  if (a.size() != static_cast<py::ssize_t>(obs_low_.size()))
    throw std::invalid_argument(fmt::format(
        "environment '{}': {}() returned an observation of {} values, observation_space has {}",
        options_.name, what, a.size(), obs_low_.size()));
  for (py::ssize_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a.data()[i]))
      throw std::invalid_argument(fmt::format("environment '{}': {}() returned an observation with {} at {}",
                                              options_.name, what, a.data()[i], i));
    obs[static_cast<std::size_t>(i)] = a.data()[i];
  }
}

void PyEnv::reset(std::optional<std::uint64_t> seed, std::span<double> obs) {
  guarded("reset", [&] {
    const py::object r = seed ? env_->attr("reset")(py::arg("seed") = *seed) : env_->attr("reset")();
    if (!py::isinstance<py::tuple>(r) || py::len(r) != 2)
      throw std::invalid_argument(fmt::format(
          "environment '{}': reset() must return (observation, info) as Gymnasium's API, got {}",
          options_.name, type_name(r)));
    read_observation(py::tuple(r)[0], obs, "reset");
  });
}

StepResult PyEnv::step(std::span<const double> action, std::span<double> obs) {
  check_finite_action(options_.name, action);
  return guarded("step", [&] {
    py::array_t<double> a(action_shape_);
    std::copy(action.begin(), action.end(), a.mutable_data());
    const py::object r = env_->attr("step")(action_dtype_ ? a.attr("astype")(*action_dtype_) : py::object(a));
    if (!py::isinstance<py::tuple>(r) || py::len(r) != 5)
      throw std::invalid_argument(fmt::format(
          "environment '{}': step() must return (observation, reward, terminated, truncated, info) "
          "as Gymnasium's API, got {}", options_.name,
          py::isinstance<py::tuple>(r) ? fmt::format("a tuple of {}", py::len(r)) : type_name(r)));
    const py::tuple t(r);
    read_observation(t[0], obs, "step");
    const py::handle reward = t[1];
    if (py::isinstance<py::str>(reward) || py::isinstance<py::bytes>(reward) || !PyNumber_Check(reward.ptr()))
      throw std::invalid_argument(fmt::format("environment '{}': step() returned a non-numeric reward ({})",
                                              options_.name, type_name(reward)));
    StepResult s;
    s.reward = PyFloat_AsDouble(reward.ptr());
    if (s.reward == -1.0 && PyErr_Occurred()) throw py::error_already_set();
    if (!std::isfinite(s.reward))
      throw std::invalid_argument(fmt::format("environment '{}': step() returned reward {}",
                                              options_.name, s.reward));
    s.terminated = py::bool_(t[2]);
    s.truncated = py::bool_(t[3]);
    return s;
  });
}

std::vector<double> PyEnv::state() const {
  Gil gil;
  return inner_ ? inner_->state() : std::vector<double>{};
}
void PyEnv::set_state(std::span<const double> state) {
  Gil gil;
  if (inner_) inner_->set_state(state);
  else Env::set_state(state);
}
std::int64_t PyEnv::elapsed_steps() const {
  Gil gil;
  return inner_ ? inner_->elapsed_steps() : 0;
}
void PyEnv::set_elapsed_steps(std::int64_t steps) {
  Gil gil;
  if (inner_) inner_->set_elapsed_steps(steps);
}
std::pair<std::uint64_t, std::uint64_t> PyEnv::rng_state() const {
  Gil gil;
  return inner_ ? inner_->rng_state() : std::pair<std::uint64_t, std::uint64_t>{0, 0};
}
void PyEnv::set_rng_state(std::pair<std::uint64_t, std::uint64_t> s) {
  Gil gil;
  if (inner_) inner_->set_rng_state(s);
}

bool PyEnv::episode_success(const EpisodeStats& e) const {
  if (inner_) return inner_->episode_success(e);
  return reward_threshold_ && e.episode_return >= *reward_threshold_;
}

bool PyEnv::solved(double mean_return, double success_rate) const {
  if (inner_) return inner_->solved(mean_return, success_rate);
  return reward_threshold_ && mean_return >= *reward_threshold_;
}

std::string PyEnv::solved_criterion() const {
  if (inner_) return inner_->solved_criterion();
  return reward_threshold_ ? fmt::format("mean return >= {} (spec.reward_threshold)", *reward_threshold_)
                           : std::string("none defined (the environment's spec has no reward_threshold)");
}

EnvFactory py_env_factory(PyRef make, PyEnvOptions options, std::shared_ptr<ErrorSlot> slot) {
  return [make = std::move(make), options = std::move(options), slot = std::move(slot)]() -> std::unique_ptr<Env> {
    Gil gil;
    try {
      return std::make_unique<PyEnv>(make_ref((*make)()), options, slot);
    } catch (py::error_already_set& e) {
      const std::string msg = fmt::format("making environment '{}' raised: {}", options.name, e.what());
      slot->keep(std::current_exception());
      throw std::runtime_error(msg);
    } catch (const std::exception&) {
      slot->keep(std::current_exception());
      throw;
    }
  };
}

}  // namespace coagent::python
