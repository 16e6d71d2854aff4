// src/python/py_learner.hpp — the Learner behind coagent.Agent: construction from
// settings, training to a step with the GIL released, Ctrl-C, predict, evaluate,
// parameters, save and load. The training loop with its callbacks and logger is
// Python's (python/coagent/agent.py): it calls train_until() chunk by chunk and runs
// the callbacks between chunks, at step boundaries, where every other call works.
//
// train_until(n) trains through the Learner with the GIL released: only C++ runs,
// except where a Python environment is stepped (PyEnv takes the GIL for each call).
// The first Python exception — from the environment or its factory — is re-raised
// once every task has finished, its type intact. Ctrl-C (SIGINT, when it runs on the
// main thread) asks the learner to stop at the next step boundary; train_until then
// raises KeyboardInterrupt with the state intact (the agent can go on learning or be
// saved).
//
// One call at a time: while train_until(), evaluate() or save() runs with the GIL
// released, any other call on the same learner (from another Python thread) raises
// RuntimeError.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coagent/learner.hpp"
#include "python/py_env.hpp"

namespace coagent::python {

using Flags = std::map<std::string, std::string>;

// At interpreter exit (registered with atexit by the module): stops every learn() or
// evaluate() in progress, waits for them, and refuses new ones.
void stop_calls_at_exit();

class PyLearner {
 public:
  // Settings: the preset (may be empty), then `flags` (settings-table keys, `env`
  // among them), `ddpg_flags` (without the `ddpg-` prefix) and `ars_flags` (without
  // `ars-`), as resolve_settings. `env_make`: a Python
  // callable making the environment, or None for the built-in environment `env`
  // names. Throws std::invalid_argument naming a bad key or value.
  static std::unique_ptr<PyLearner> create(const std::string& preset, const Flags& flags,
                                           const Flags& ddpg_flags, const Flags& ars_flags,
                                           py::object env_make);
  // A checkpoint; `env_make` as above (None: the built-in environment it names), and
  // `env_name` the name a Python environment is shown by.
  static std::unique_ptr<PyLearner> load(const std::string& path, py::object env_make,
                                         const std::string& env_name);

  // Trains until steps_done() reaches `until`, raising the run's step total when it
  // is below; returns the training episodes that finished meanwhile (dicts: step,
  // episode, return, length, env_index). `progress` (a Python callable or None) gets
  // (step, steps_per_second, recent_return or None) at the Learner's progress reports
  // (lockstep: every 1000 steps; async: ~4 times a second), with the GIL, while the
  // learner runs: it must not call back into the agent.
  py::list train_until(std::int64_t until, py::object progress);
  // The per-layer statistics since the last call (dicts with the metrics file's keys).
  py::list take_layer_stats();
  // Greedy actions for a (batch, observation) array: (batch, action).
  py::array_t<double> predict(const py::array_t<double, py::array::c_style | py::array::forcecast>& obs);
  // Greedy evaluation on a fresh environment: `env_make` (a Python callable) makes it,
  // or, when None, the learner does (the built-in environment, or its factory).
  py::dict evaluate(int episodes, std::optional<std::uint64_t> seed, py::object env_make);
  void save(const std::string& path) const;
  // Named arrays of the learned model (name -> float64 array), and back.
  py::dict parameters() const;
  void set_parameters(const py::dict& arrays);

  // The learner, for the read-only properties; RuntimeError while a call runs.
  const Learner& learner() const;
  std::string settings_text() const;

 private:
  PyLearner(std::unique_ptr<Learner> l, std::shared_ptr<ErrorSlot> slot);

  // Marks a call in progress for its lifetime; throws if one already is.
  class Busy {
   public:
    explicit Busy(const PyLearner& l);
    ~Busy();
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;

   private:
    const PyLearner& l_;
  };

  std::unique_ptr<Learner> learner_;
  mutable std::atomic<bool> busy_{false};
  std::shared_ptr<ErrorSlot> slot_;
  std::optional<GreedyPolicy> policy_;
  std::mutex episodes_mu_;
  std::vector<EpisodeRecord> episodes_;  // finished during the current train_until
};

}  // namespace coagent::python
