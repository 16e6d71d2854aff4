// src/python/module.cpp — the _coagent extension: the built-in environments
// (CppEnv), the Learner behind coagent.Agent, and the settings tables. The Python
// package (python/coagent/) is the public surface; this module is its engine.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <memory>

#include "coagent/ars.hpp"
#include "coagent/config.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/env.hpp"
#include "coagent/learner.hpp"
#include "python/py_learner.hpp"

namespace py = pybind11;
using namespace coagent;
using coagent::python::PyLearner;

namespace {

py::array_t<double> to_array(const std::vector<double>& v) {
  py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

py::list settings_list(const std::vector<SettingInfo>& table) {
  py::list out;
  for (const SettingInfo& s : table) {
    py::dict d;
    d["key"] = s.key, d["help"] = s.help, d["default"] = s.default_text;
    d["range"] = s.range_text, d["algos"] = s.algos, d["resumable"] = s.resumable;
    out.append(d);
  }
  return out;
}

void bind_env(py::module_& m) {
  py::class_<Env, std::unique_ptr<Env>>(m, "CppEnv", "A built-in environment (coagent.make wraps it)")
      .def(py::init([](const std::string& name) { return make_env(name); }), py::arg("name"))
      .def_property_readonly("name", [](const Env& e) { return std::string(e.name()); })
      .def_property_readonly("observation_low", [](const Env& e) { return to_array(e.observation_bounds().low); })
      .def_property_readonly("observation_high", [](const Env& e) { return to_array(e.observation_bounds().high); })
      .def_property_readonly("action_low", [](const Env& e) { return to_array(e.action_bounds().low); })
      .def_property_readonly("action_high", [](const Env& e) { return to_array(e.action_bounds().high); })
      .def_property_readonly("max_episode_steps", &Env::max_episode_steps)
      .def_property_readonly("solved_criterion", &Env::solved_criterion)
      .def("state", [](const Env& e) { return to_array(e.state()); })
      .def("set_state",
           [](Env& e, const py::array_t<double, py::array::c_style | py::array::forcecast>& s) {
             e.set_state(std::span<const double>(s.data(), static_cast<std::size_t>(s.size())));
           },
           py::arg("state"))
      .def("state_names", &Env::state_names)
      .def("info", &Env::info, "the last reset's or step's info terms, in Gymnasium's order")
      .def_property("elapsed_steps", &Env::elapsed_steps, &Env::set_elapsed_steps)
      .def("reset",
           [](Env& e, std::optional<std::uint64_t> seed) {
             std::vector<double> obs(static_cast<std::size_t>(e.observation_size()));
             e.reset(seed, obs);
             return to_array(obs);
           },
           py::arg("seed") = py::none())
      .def("step", [](Env& e, const py::array_t<double, py::array::c_style | py::array::forcecast>& action) {
        if (action.size() != e.action_size())
          throw std::invalid_argument(fmt::format("{}: action must have {} value(s), got {}", e.name(),
                                                  e.action_size(), action.size()));
        std::vector<double> obs(static_cast<std::size_t>(e.observation_size()));
        const StepResult r = e.step(std::span<const double>(action.data(), static_cast<std::size_t>(action.size())), obs);
        return py::make_tuple(to_array(obs), r.reward, r.terminated, r.truncated);
      }, py::arg("action"));
}

void bind_learner(py::module_& m) {
  py::class_<PyLearner>(m, "Learner", "The C++ learner behind coagent.Agent")
      .def_static("create", &PyLearner::create, py::arg("preset"), py::arg("flags"),
                  py::arg("ddpg_flags"), py::arg("ars_flags"), py::arg("env_make"))
      .def_static("load", &PyLearner::load, py::arg("path"), py::arg("env_make"), py::arg("env_name"))
      .def("train_until", &PyLearner::train_until, py::arg("until"), py::arg("progress") = py::none())
      .def("take_layer_stats", &PyLearner::take_layer_stats)
      .def("predict", &PyLearner::predict, py::arg("obs"))
      .def("evaluate", &PyLearner::evaluate, py::arg("episodes"), py::arg("seed"), py::arg("env_make"))
      .def("save", &PyLearner::save, py::arg("path"))
      .def("parameters", &PyLearner::parameters)
      .def("set_parameters", &PyLearner::set_parameters, py::arg("arrays"))
      .def("settings_text", &PyLearner::settings_text)
      .def_property_readonly("digest", [](const PyLearner& l) { return l.learner().digest(); })
      .def_property_readonly("steps_done", [](const PyLearner& l) { return l.learner().steps_done(); })
      .def_property_readonly("step_target", [](const PyLearner& l) { return l.learner().config().steps; })
      .def_property_readonly("envs", [](const PyLearner& l) { return l.learner().config().envs; })
      .def_property_readonly("seed", [](const PyLearner& l) { return l.learner().config().seed; })
      .def_property_readonly("episodes", [](const PyLearner& l) { return l.learner().episodes_done(); })
      .def_property_readonly("shape", [](const PyLearner& l) { return l.learner().shape(); })
      .def_property_readonly("algo", [](const PyLearner& l) { return std::string(to_string(l.learner().config().algo)); })
      .def_property_readonly("env", [](const PyLearner& l) { return l.learner().config().env; });
}

}  // namespace

PYBIND11_MODULE(_coagent, m) {
  m.doc() = "coagent's C++ engine (use the coagent package)";
  py::register_exception<DivergenceError>(m, "DivergenceError", PyExc_RuntimeError);
  py::module_::import("atexit").attr("register")(py::cpp_function(&python::stop_calls_at_exit));
  m.def("builtin_envs", &builtin_env_names);
  m.def("builtin_env_table", [] {  // the registry's rows (coagent/env.hpp's EnvInfo)
    py::list out;
    for (const EnvInfo& e : builtin_envs()) {
      py::dict d;
      d["name"] = e.name, d["gymnasium_id"] = e.gymnasium_id, d["family"] = e.family;
      d["float32_observations"] = e.float32_observations;
      d["float32_actions"] = e.float32_actions;
      d["reward_threshold"] = e.reward_threshold ? py::object(py::float_(*e.reward_threshold))
                                                 : py::object(py::none());
      d["available"] = e.available;
      out.append(d);
    }
    return out;
  });
  m.def("settings_table", [] { return settings_list(config_settings()); });
  m.def("ddpg_settings_table", [] { return settings_list(ddpg_config_settings()); });
  m.def("ars_settings_table", [] { return settings_list(ars_config_settings()); });
  bind_env(m);
  bind_learner(m);
}
