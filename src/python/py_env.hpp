// src/python/py_env.hpp — a Python object with Gymnasium's reset/step API as a C++ Env.
//
// Duck-typed, as RLtools does: the object needs reset(seed=None) -> (obs, info),
// step(action) -> (obs, reward, terminated, truncated, info) and observation_space /
// action_space with `low`, `high` and `shape` (a Box); gymnasium is never imported.
// Observations are read as float64 (a float32 observation converts exactly); the
// action is passed as an array of action_space.shape in action_space.dtype: float64
// values unrounded, float32 rounded to nearest (Gymnasium's Box.contains refuses a
// float64 array for a float32 space), float64 when the space has no dtype. A reward
// that is not a real number, an observation of the wrong size or
// with NaN, and anything the object raises end the step with an exception.
//
// Threading and the GIL: every member that touches Python takes the GIL itself, so
// the runtime may call an PyEnv from any thread (one at a time, as for every Env).
// Python objects are only ever referenced through PyRef, whose last release takes
// the GIL, so PyEnv and the factories that make them can be copied and destroyed on
// threads that do not hold it.
//
// Errors: the first exception raised on the Python side (or found wrong in what it
// returned) is kept in the run's ErrorSlot; the runtime itself sees a
// std::runtime_error naming the environment and the problem. The learner's driver
// (py_learner.cpp) re-raises the kept exception in Python, its type intact.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coagent/env.hpp"

namespace coagent::python {

namespace py = pybind11;

// Holds the GIL, on any thread. A thread Python did not make (a oneTBB worker) gets a
// Python thread state on its first use and keeps it for its lifetime; pybind11's
// gil_scoped_acquire alone would create and destroy one per call, which costs more than
// a whole environment step.
class Gil {
 public:
  Gil() : keep_(ensure_thread_state()) {}

 private:
  static bool ensure_thread_state();
  bool keep_;
  py::gil_scoped_acquire gil_;
};

// A reference to a Python object that may be copied and dropped without the GIL.
using PyRef = std::shared_ptr<py::object>;
PyRef make_ref(py::object o);

// The first exception of a run's Python side, for the driver to re-raise.
class ErrorSlot {
 public:
  void keep(std::exception_ptr e);  // keeps the first; later ones are dropped
  std::exception_ptr take();        // returns it and empties the slot
  void rethrow();                   // rethrows the kept exception, if any, emptying the slot

 private:
  mutable std::mutex mu_;
  std::exception_ptr first_;
};

// What the learner needs of a Python environment besides the object: the name it is
// known by in settings and checkpoints, and whether observations are encoded by their
// bounds (then an infinite bound is refused here, with the Python setting named).
struct PyEnvOptions {
  std::string name;
  bool obs_norm = true;
};

class PyEnv final : public Env {
 public:
  // Reads and checks the spaces; needs the GIL (the factory takes it). Throws
  // std::invalid_argument naming the problem.
  PyEnv(PyRef env, PyEnvOptions options, std::shared_ptr<ErrorSlot> slot);

  std::string_view name() const override { return options_.name; }
  int observation_size() const override { return static_cast<int>(obs_low_.size()); }
  int action_size() const override { return static_cast<int>(act_low_.size()); }
  Box observation_bounds() const override { return {obs_low_, obs_high_}; }
  Box action_bounds() const override { return {act_low_, act_high_}; }
  // env.spec.max_episode_steps when the object has one, else 0 (it truncates itself).
  std::int64_t max_episode_steps() const override { return max_steps_; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override;
  StepResult step(std::span<const double> action, std::span<double> obs) override;

  // A built-in under env.unwrapped: its criteria. Otherwise env.spec.reward_threshold
  // (Gymnasium's "solved"): an episode succeeds and an evaluation is solved at a
  // return at or above it; without one, never.
  // Exact resume and digests: when env.unwrapped is one of coagent.make()'s
  // environments (whatever wrappers sit on top), its C++ state is read and restored
  // as the built-in environment's; otherwise the state is opaque (empty).
  std::vector<double> state() const override;
  void set_state(std::span<const double> state) override;
  std::int64_t elapsed_steps() const override;
  void set_elapsed_steps(std::int64_t steps) override;
  std::pair<std::uint64_t, std::uint64_t> rng_state() const override;
  void set_rng_state(std::pair<std::uint64_t, std::uint64_t> s) override;

  bool episode_success(const EpisodeStats& e) const override;
  bool solved(double mean_return, double success_rate) const override;
  std::string solved_criterion() const override;

 private:
  // Runs `f` under the GIL; a Python exception or a bad value is kept in the slot and
  // the runtime gets a std::runtime_error.
  template <class F>
  auto guarded(const char* what, F&& f);
  void read_observation(py::handle o, std::span<double> obs, const char* what) const;

  PyRef env_;
  PyRef inner_ref_;        // env.unwrapped._cpp, when it is a built-in Env
  Env* inner_ = nullptr;   // owned by the object inner_ref_ keeps alive
  PyEnvOptions options_;
  std::shared_ptr<ErrorSlot> slot_;
  std::vector<double> obs_low_, obs_high_, act_low_, act_high_;
  std::vector<py::ssize_t> action_shape_;
  PyRef action_dtype_;     // action_space.dtype when it is not float64

  std::int64_t max_steps_ = 0;
  std::optional<double> reward_threshold_;
};

// A factory of PyEnv over `make` (a Python callable returning a new environment each
// call); the factory takes the GIL.
EnvFactory py_env_factory(PyRef make, PyEnvOptions options, std::shared_ptr<ErrorSlot> slot);

}  // namespace coagent::python
