// src/python/py_learner.cpp — PyLearner (see py_learner.hpp).
#include "python/py_learner.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "cli/config_file.hpp"
#include "cli/metrics.hpp"
#include "coagent/ars.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/session.hpp"
#include "coagent/trainer.hpp"

namespace coagent::python {
namespace {

// SIGINT while learn() runs on the main thread: ask the learner to stop. A signal
// handler can reach only process-wide state, hence these two atomics; learn() sets
// them for its duration and restores Python's handler after.
std::atomic<Learner*> g_interrupt_target{nullptr};
std::atomic<std::atomic<bool>*> g_interrupt_session{nullptr};  // the session's stop flag
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) {
  g_interrupted.store(true);
  if (std::atomic<bool>* stop = g_interrupt_session.load()) stop->store(true);
  if (Learner* l = g_interrupt_target.load()) l->request_stop();
}

class SigintGuard {
 public:
  SigintGuard(Learner& l, std::atomic<bool>& session_stop) {
    const py::module_ threading = py::module_::import("threading");
    if (!threading.attr("current_thread")().is(threading.attr("main_thread")())) return;
    g_interrupted.store(false);
    g_interrupt_target.store(&l);
    g_interrupt_session.store(&session_stop);
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    installed_ = sigaction(SIGINT, &sa, &old_) == 0;
  }
  ~SigintGuard() { restore(); }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;
  // Puts Python's handler back; returns whether SIGINT arrived meanwhile.
  bool restore() {
    if (!installed_) return false;
    sigaction(SIGINT, &old_, nullptr);
    g_interrupt_target.store(nullptr);
    g_interrupt_session.store(nullptr);
    installed_ = false;
    return g_interrupted.exchange(false);
  }

 private:
  bool installed_ = false;
  struct sigaction old_ {};
};

// Runs `make` (which constructs a learner over Python environments); a Python exception
// kept in `slot` meanwhile is what comes out.
template <class F>
std::unique_ptr<Learner> with_kept_error(ErrorSlot& slot, F&& make) {
  try {
    return make();
  } catch (...) {
    slot.rethrow();
    throw;
  }
}

std::unique_ptr<Learner> construct(const cli::RunSettings& s, EnvFactory factory) {
  if (s.cfg.algo == Algo::ddpg) return std::make_unique<DdpgLearner>(s.cfg, s.ddpg, std::move(factory));
  if (s.cfg.algo == Algo::ars) return std::make_unique<ArsLearner>(s.cfg, s.ars, std::move(factory));
  return std::make_unique<Trainer>(s.cfg, std::move(factory));
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
  const cli::RunSettings s = cli::resolve_settings(preset, "", flags, ddpg_flags, ars_flags);
  auto slot = std::make_shared<ErrorSlot>();
  EnvFactory factory;
  if (!env_make.is_none())
    factory = py_env_factory(make_ref(std::move(env_make)), {s.cfg.env, s.cfg.obs_norm}, slot);
  auto l = with_kept_error(*slot, [&] { return construct(s, std::move(factory)); });
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

py::dict PyLearner::progress_info(const TrainProgress& p) {
  py::dict d;
  d["step"] = p.step;
  d["total_steps"] = p.total_steps;
  d["episodes"] = p.episodes;
  d["steps_per_second"] = p.steps_per_second;
  d["recent_return"] = p.has_recent_return ? py::object(py::float_(p.recent_return)) : py::object(py::none());
  std::vector<EpisodeRecord> done;
  {
    std::lock_guard lock(episodes_mu_);
    done.swap(episodes_);
  }
  py::list eps;
  for (const EpisodeRecord& e : done) {
    py::dict x;
    x["step"] = e.step, x["episode"] = e.episode, x["return"] = e.episode_return;
    x["length"] = e.length, x["env_index"] = e.env_index;
    eps.append(x);
  }
  d["new_episodes"] = eps;
  py::list layers;
  for (const LayerStats& s : layers_) {
    py::dict x;  // the keys of the metrics file's "layers" line
    x["layer"] = s.layer, x["mean_abs_td"] = s.mean_abs_td;
    x["action_coef_mean"] = s.action_coef_mean, x["action_coef_std"] = s.action_coef_std;
    x["weight_norm"] = s.weight_norm, x["exploration_scale"] = s.mean_abs_noise;
    x["updates"] = s.updates;
    layers.append(x);
  }
  d["layers"] = layers;
  return d;
}

bool PyLearner::learn(std::int64_t steps, py::object callback, std::int64_t every) {
  if (steps < 1) throw std::invalid_argument(fmt::format("total_timesteps must be at least 1, got {}", steps));
  if (every < 1) throw std::invalid_argument(fmt::format("callback interval must be at least 1, got {}", every));
  const Busy busy(*this);
  TrainConfig changed = learner_->config();
  changed.steps = learner_->steps_done() + steps;
  learner_->update_settings(changed);
  policy_.reset();

  // A stop request lands inside a chunk of the session or between two: the learner's
  // request ends the chunk, the session's flag the loop over chunks.
  bool stopped_by_callback = false;
  std::atomic<bool> stop{false};
  SessionOptions session;
  session.stop = &stop;
  if (!callback.is_none()) {
    session.hooks.progress_every = every;
    session.hooks.progress = [&](const TrainProgress& p) {
      Gil gil;
      try {
        const py::object r = callback(progress_info(p));
        if (r.is(py::bool_(false))) {
          stopped_by_callback = true;
          stop.store(true);
          learner_->request_stop();
        }
      } catch (py::error_already_set& e) {
        const std::string msg = fmt::format("the callback raised: {}", e.what());
        slot_->keep(std::current_exception());
        throw std::runtime_error(msg);
      }
    };
    session.hooks.episode = [this](const EpisodeRecord& e) {
      std::lock_guard lock(episodes_mu_);
      episodes_.push_back(e);
    };
    session.stats_every = every;
    session.on_layer_stats = [this](std::int64_t, const std::vector<LayerStats>& s) {
      if (!s.empty()) layers_ = s;
    };
  }
  SigintGuard sigint(*learner_, stop);
  std::exception_ptr failed;
  {
    py::gil_scoped_release nogil;
    try {
      run_session(*learner_, session);
      // A request that landed after the last chunk had ended would stop the next
      // learn() at once: a zero-step call consumes it.
      if (stop.load()) learner_->train_until(learner_->steps_done(), TrainHooks{});
    } catch (...) {
      failed = std::current_exception();
    }
  }
  const bool interrupted = sigint.restore();
  slot_->rethrow();
  if (failed) std::rethrow_exception(failed);
  if (interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  return stopped_by_callback;
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

py::dict PyLearner::evaluate(int episodes, std::optional<std::uint64_t> seed) {
  if (episodes < 1 || episodes > 1000000)
    throw std::invalid_argument(fmt::format("n_episodes: {} is out of range, expected 1..1000000", episodes));
  const Busy busy(*this);
  const std::uint64_t s = seed.value_or(default_eval_seed(learner_->config().seed));
  EvalResult r;
  std::exception_ptr failed;
  {
    py::gil_scoped_release nogil;
    try {
      r = learner_->evaluate(episodes, s);
    } catch (...) {
      failed = std::current_exception();
    }
  }
  slot_->rethrow();
  if (failed) std::rethrow_exception(failed);
  return json_to_python(cli::eval_to_json(r));
}

void PyLearner::save(const std::string& path) const {
  const Busy busy(*this);
  py::gil_scoped_release nogil;
  learner_->save(path);
}

std::string PyLearner::settings_text() const {
  return cli::settings_text(cli::run_settings_of(learner()));
}

}  // namespace coagent::python
