// src/python/py_learner.cpp — PyLearner (see py_learner.hpp).
#include "python/py_learner.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cxxabi.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "coagent/checkpoint.hpp"
#include "coagent/run.hpp"
#include "run/metrics.hpp"

namespace coagent::python {
namespace {

// SIGINT while train_until() or evaluate() runs on the main thread: ask the learner to
// stop (training), or let the evaluation's policy see it (evaluate). A signal handler can
// reach only process-wide state, hence these atomics; the call sets them for its
// duration and restores Python's handler after.
std::atomic<Learner*> g_interrupt_target{nullptr};
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  if (Learner* l = g_interrupt_target.load()) l->request_stop();
}

class SigintGuard {
 public:
  explicit SigintGuard(Learner* l) {
    // Only the main thread gets SIGINT's Python handler; its ident is read once.
    static const unsigned long main_ident =
        py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
    if (PyThread_get_thread_ident() != main_ident) return;
    g_interrupted.store(false);
    g_interrupt_target.store(l);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    installed_ = sigaction(SIGINT, &sa, &old_) == 0;
  }
  ~SigintGuard() { restore(); }
  // SIGINT arrived while installed (read from any thread).
  bool fired() const noexcept { return installed_ && g_interrupted.load(std::memory_order_relaxed); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
  // Puts Python's handler back; returns whether SIGINT arrived meanwhile.
  bool restore() {
    if (!installed_) return false;
    sigaction(SIGINT, &old_, nullptr);
    g_interrupt_target.store(nullptr);
    installed_ = false;
    return g_interrupted.exchange(false);
  }

 private:
  bool installed_ = false;
  struct sigaction old_ {};
};

// The calls in progress (learn, evaluate) of every agent, and whether the interpreter is
// exiting. At exit (an atexit function, which runs before Python finalizes) every call
// in progress is asked to stop and waited for, and new ones are refused: a thread of ours
// that asked for the GIL while Python tears down would be ended by Python in the middle
// of C++ frames (a daemon thread inside learn(), or a worker stepping a Python
// environment). Process-wide by nature, like the SIGINT handler's state.
struct Calls {
  std::mutex mu;
  std::condition_variable cv;
  std::multiset<Learner*> running;
  std::atomic<bool> exiting{false};
};
Calls& calls() {
  static Calls c;
  return c;
}

class RunningCall {
 public:
  explicit RunningCall(Learner* l) : l_(l) {
    Calls& c = calls();
    const std::lock_guard lock(c.mu);
    if (c.exiting.load())
      throw std::runtime_error("the Python interpreter is exiting: coagent runs no new call");
    c.running.insert(l_);
  }
  ~RunningCall() {
    Calls& c = calls();
    const std::lock_guard lock(c.mu);
    c.running.erase(c.running.find(l_));
    c.cv.notify_all();
  }
  RunningCall(const RunningCall&) = delete;
  RunningCall& operator=(const RunningCall&) = delete;

 private:
  Learner* l_;
};

// Runs `make` (which constructs a learner over Python environments); a Python exception
// kept in `slot` meanwhile is what comes out.
template <class F>
auto with_kept_error(ErrorSlot& slot, F&& make) {
  try {
    return make();
  } catch (...) {
    slot.rethrow();
    throw;
  }
}

py::object json_to_python(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

}  // namespace

PyLearner::PyLearner(std::unique_ptr<Learner> l, std::shared_ptr<ErrorSlot> slot)
    : learner_(std::move(l)), slot_(std::move(slot)) {}

std::unique_ptr<PyLearner> PyLearner::create(const std::string& preset, const Flags& flags,
                                             const Flags& ddpg_flags, const Flags& ars_flags,
                                             py::object env_make) {
  const RunSettings s = resolve_settings(preset, "", flags, ddpg_flags, ars_flags);
  auto slot = std::make_shared<ErrorSlot>();
  EnvFactory factory;
  if (!env_make.is_none())
    factory = py_env_factory(make_ref(std::move(env_make)), {s.cfg.env, s.cfg.algo == Algo::local && s.cfg.obs_norm == ObsNorm::bounds}, slot);
  auto l = with_kept_error(*slot, [&] { return make_learner(s, std::move(factory)); });
  return std::unique_ptr<PyLearner>(new PyLearner(std::move(l), std::move(slot)));
}

std::unique_ptr<PyLearner> PyLearner::load(const std::string& path, py::object env_make,
                                           const std::string& env_name) {
  auto slot = std::make_shared<ErrorSlot>();
  EnvFactory factory;
  // Observation encoding follows the checkpoint's obs-norm, which the network checks the
  // bounds against.
  if (!env_make.is_none())
    factory = py_env_factory(make_ref(std::move(env_make)), {env_name, false}, slot);
  auto l = with_kept_error(*slot, [&] { return load_learner(path, std::move(factory)); });
  return std::unique_ptr<PyLearner>(new PyLearner(std::move(l), std::move(slot)));
}

void stop_calls_at_exit() {
  Calls& c = calls();
  py::gil_scoped_release nogil;  // the calls in progress may need the GIL to finish
  std::unique_lock lock(c.mu);
  c.exiting.store(true);
  for (Learner* l : c.running) l->request_stop();
  // A stop ends a run at its next step; an evaluation sees `exiting` at its next step.
  c.cv.wait_for(lock, std::chrono::seconds(60), [&] { return c.running.empty(); });
}

PyLearner::Busy::Busy(const PyLearner& l) : l_(l) {
  if (l_.busy_.exchange(true))
    throw std::runtime_error("this agent is busy: learn(), evaluate() or save() is running on another thread");
}
PyLearner::Busy::~Busy() { l_.busy_.store(false); }

const Learner& PyLearner::learner() const {
  if (busy_.load())
    throw std::runtime_error("this agent is busy: learn(), evaluate() or save() is running on another thread");
  return *learner_;
}

py::list PyLearner::train_until(std::int64_t until, py::object progress) {
  const Busy busy(*this);
  if (until > learner_->config().steps) {
    TrainConfig changed = learner_->config();
    changed.steps = until;
    learner_->update_settings(changed);
  }
  policy_.reset();
  TrainHooks hooks;
  hooks.episode = [this](const EpisodeRecord& e) {
    std::lock_guard lock(episodes_mu_);
    episodes_.push_back(e);
  };
  if (!progress.is_none()) {
    hooks.progress = [&](const TrainProgress& p) {
      Gil gil;
      try {
        progress(p.step, p.steps_per_second,
                 p.has_recent_return ? py::object(py::float_(p.recent_return)) : py::object(py::none()));
      } catch (py::error_already_set& e) {
        const std::string msg = fmt::format("the progress function raised: {}", e.what());
        slot_->keep(std::current_exception());
        throw std::runtime_error(msg);
      }
    };
  }
  const RunningCall running(learner_.get());
  SigintGuard sigint(learner_.get());
  std::exception_ptr failed;
  {
    py::gil_scoped_release nogil;
    try {
      learner_->train_until(until, hooks);
    } catch (abi::__forced_unwind&) {  // Python ending this thread: never swallowed
      throw;
    } catch (...) {
      failed = std::current_exception();
    }
  }
  const bool interrupted = sigint.restore();
  // A request that landed after the chunk had ended would stop the next call at once:
  // a zero-step call consumes it.
  if (interrupted && !failed && learner_->steps_done() >= until) {
    py::gil_scoped_release nogil;
    learner_->train_until(learner_->steps_done(), TrainHooks{});
  }
  std::vector<EpisodeRecord> done;
  {
    std::lock_guard lock(episodes_mu_);
    done.swap(episodes_);
  }
  slot_->rethrow();
  if (failed) std::rethrow_exception(failed);
  if (interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  py::list eps;
  for (const EpisodeRecord& e : done) {
    py::dict x;
    x["step"] = e.step, x["episode"] = e.episode, x["return"] = e.episode_return;
    x["length"] = e.length, x["env_index"] = e.env_index;
    eps.append(x);
  }
  return eps;
}

py::list PyLearner::take_layer_stats() {
  const Busy busy(*this);
  py::list layers;
  for (const LayerStats& s : learner_->take_layer_stats()) {
    py::dict x;  // the keys of the metrics file's "layers" line
    x["layer"] = s.layer, x["mean_abs_td"] = s.mean_abs_td;
    x["action_coef_mean"] = s.action_coef_mean, x["action_coef_std"] = s.action_coef_std;
    x["weight_norm"] = s.weight_norm, x["exploration_scale"] = s.mean_abs_noise;
    x["updates"] = s.updates;
    layers.append(x);
  }
  return layers;
}

py::array_t<double> PyLearner::predict(
    const py::array_t<double, py::array::c_style | py::array::forcecast>& obs) {
  const Busy busy(*this);
  const std::vector<int> shape = learner_->shape();
  const auto n_in = static_cast<py::ssize_t>(shape.front());
  const auto n_out = static_cast<py::ssize_t>(shape.back());
  if (obs.ndim() != 2 || obs.shape(1) != n_in)
    throw std::invalid_argument(fmt::format("observation must have {} values per row, got shape ({})", n_in,
                                            fmt::join(std::vector<py::ssize_t>(obs.shape(), obs.shape() + obs.ndim()), ", ")));
  for (py::ssize_t i = 0; i < obs.size(); ++i)
    if (!std::isfinite(obs.data()[i]))
      throw std::invalid_argument(fmt::format("observation value {} at index {} is not finite",
                                              obs.data()[i], i));
  if (!policy_) policy_ = learner_->greedy_policy();
  py::array_t<double> out({obs.shape(0), n_out});
  for (py::ssize_t r = 0; r < obs.shape(0); ++r)
    (*policy_)(std::span<const double>(obs.data(r, 0), static_cast<std::size_t>(n_in)),
               std::span<double>(out.mutable_data(r, 0), static_cast<std::size_t>(n_out)));
  return out;
}

py::dict PyLearner::evaluate(int episodes, std::optional<std::uint64_t> seed, py::object env_make) {
  if (episodes < 1 || episodes > 1000000)
    throw std::invalid_argument(fmt::format("n_episodes: {} is out of range, expected 1..1000000", episodes));
  const Busy busy(*this);
  const std::uint64_t s = seed.value_or(default_eval_seed(learner_->config().seed));
  // The evaluation's own environment, made here with the GIL held.
  std::unique_ptr<Env> env;
  if (!env_make.is_none())
    env = with_kept_error(*slot_, [&] {
      return py_env_factory(make_ref(std::move(env_make)), {learner_->config().env, false}, slot_)();
    });
  EvalResult r;
  std::exception_ptr failed;
  // Ctrl-C during an evaluation: the policy sees it at its next step and the evaluation
  // ends with KeyboardInterrupt (the learner's state is untouched).
  struct Interrupted {};
  const RunningCall running(learner_.get());
  SigintGuard sigint(nullptr);
  bool interrupted = false;
  {
    py::gil_scoped_release nogil;
    try {
      if (!env) env = learner_->make_environment();  // what learner_->evaluate() steps
      const GreedyPolicy policy = learner_->greedy_policy();
      r = evaluate_greedy(*env, episodes, s, [&](std::span<const double> obs, std::span<double> action) {
        if (sigint.fired() || calls().exiting.load(std::memory_order_relaxed)) throw Interrupted{};
        policy(obs, action);
      });
    } catch (const Interrupted&) {
      interrupted = true;
    } catch (abi::__forced_unwind&) {
      throw;
    } catch (...) {
      failed = std::current_exception();
    }
    env.reset();  // PyEnv drops its references with the GIL taken by PyRef
  }
  sigint.restore();
  slot_->rethrow();
  if (failed) std::rethrow_exception(failed);
  if (interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  return json_to_python(eval_to_json(r));
}

void PyLearner::save(const std::string& path) const {
  const Busy busy(*this);
  py::gil_scoped_release nogil;
  learner_->save(path);
}

py::dict PyLearner::parameters() const {
  const Busy busy(*this);
  py::dict out;
  for (const NamedArray& a : learner_->named_parameters()) {
    std::vector<py::ssize_t> shape(a.shape.begin(), a.shape.end());
    py::array_t<double> arr(shape);
    std::copy(a.values.begin(), a.values.end(), arr.mutable_data());
    out[py::str(a.name)] = arr;
  }
  return out;
}

void PyLearner::set_parameters(const py::dict& arrays) {
  const Busy busy(*this);
  std::vector<NamedArray> in;
  for (const auto& [key, value] : arrays) {
    if (!py::isinstance<py::str>(key))
      throw std::invalid_argument("parameter names must be strings");
    const auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(value);
    if (!a) {
      PyErr_Clear();
      throw std::invalid_argument(fmt::format("parameter '{}' is not a numeric array", key.cast<std::string>()));
    }
    NamedArray n{key.cast<std::string>(), {}, {a.data(), a.data() + a.size()}};
    for (py::ssize_t d = 0; d < a.ndim(); ++d) n.shape.push_back(static_cast<int>(a.shape(d)));
    in.push_back(std::move(n));
  }
  learner_->set_named_parameters(in);
  policy_.reset();
}

std::string PyLearner::settings_text() const {
  return coagent::settings_text(run_settings_of(learner()));
}

}  // namespace coagent::python
