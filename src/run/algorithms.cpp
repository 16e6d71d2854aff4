// src/run/algorithms.cpp — the algorithm registry: one row per algorithm (see
// algorithms.hpp). The dynamic_casts of a Learner live here and nowhere else.
#include "run/algorithms.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "ars/ars_run.hpp"
#include "coagent/trainer.hpp"
#include "ddpg/ddpg_run.hpp"
#include "run/inspect.hpp"
#include "local/trainer_state.hpp"

namespace coagent::detail {
namespace {

template <class L>
const L& as(const Learner& l) {
  return dynamic_cast<const L&>(l);  // the registry row matches the learner's algo
}

// --- local: a local rule per neuron (coagent/trainer.hpp) ------------------------------

std::unique_ptr<Learner> make_local(const RunSettings& s, EnvFactory factory) {
  return std::make_unique<Trainer>(s.cfg, std::move(factory));
}
std::unique_ptr<Learner> read_local(const TrainConfig& cfg, io::ByteReader& r,
                                    const EnvFactory& factory, const std::string& path) {
  std::unique_ptr<Trainer> t;
  try {
    t = detail::TrainerAccess::restore(cfg, factory, io::read_trainer_parts(cfg, r, factory));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}': {}", path, e.what()));
  }
  // The divergence guard never saves a non-finite state, so one here is damage.
  try {
    t->check_finite();
  } catch (const DivergenceError& e) {
    throw std::runtime_error(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
  }
  return t;
}
Entries no_entries(const RunSettings&) { return {}; }
std::string no_text(const RunSettings&) { return {}; }
void no_settings(const Learner&, RunSettings&) {}

// --- ddpg: the backprop baseline (coagent/ddpg.hpp) ------------------------------------

std::unique_ptr<Learner> make_ddpg(const RunSettings& s, EnvFactory factory) {
  return std::make_unique<DdpgLearner>(s.cfg, s.ddpg, std::move(factory));
}
std::unique_ptr<Learner> read_ddpg(const TrainConfig& cfg, io::ByteReader& r,
                                   const EnvFactory& factory, const std::string& /*path*/) {
  return std::make_unique<DdpgLearner>(cfg, factory, read_ddpg_run(r, factory));
}
Entries ddpg_entries(const RunSettings& s) { return ddpg_config_entries(s.ddpg); }
std::string ddpg_text(const RunSettings& s) { return ddpg_config_to_text(s.ddpg, "ddpg-"); }
void ddpg_settings(const Learner& l, RunSettings& s) { s.ddpg = as<DdpgLearner>(l).agent().config(); }
nlohmann::json ddpg_inspect(const Learner& l) { return inspect_json(as<DdpgLearner>(l)); }
void ddpg_print(const Learner& l, const nlohmann::json& j) { print_inspect(as<DdpgLearner>(l), j); }

// --- ars: Augmented Random Search, backprop-free (coagent/ars.hpp) ---------------------

std::unique_ptr<Learner> make_ars(const RunSettings& s, EnvFactory factory) {
  return std::make_unique<ArsLearner>(s.cfg, s.ars, std::move(factory));
}
std::unique_ptr<Learner> read_ars(const TrainConfig& cfg, io::ByteReader& r,
                                  const EnvFactory& factory, const std::string& /*path*/) {
  return std::make_unique<ArsLearner>(cfg, factory, read_ars_run(r, factory));
}
Entries ars_entries(const RunSettings& s) { return ars_config_entries(s.ars); }
std::string ars_text(const RunSettings& s) { return ars_config_to_text(s.ars, "ars-"); }
void ars_settings(const Learner& l, RunSettings& s) { s.ars = as<ArsLearner>(l).ars_config(); }
nlohmann::json ars_inspect(const Learner& l) { return inspect_json(as<ArsLearner>(l)); }
void ars_print(const Learner& l, const nlohmann::json& j) { print_inspect(as<ArsLearner>(l), j); }

nlohmann::json local_inspect(const Learner& l) { return inspect_json(as<Trainer>(l)); }
void local_print(const Learner& l, const nlohmann::json& j) { print_inspect(as<Trainer>(l), j); }

const Algorithm kAlgorithms[] = {
    {Algo::local, "", make_local, read_local, no_entries, no_text, no_settings, local_inspect,
     local_print},
    {Algo::ddpg, "ddpg-", make_ddpg, read_ddpg, ddpg_entries, ddpg_text, ddpg_settings,
     ddpg_inspect, ddpg_print},
    {Algo::ars, "ars-", make_ars, read_ars, ars_entries, ars_text, ars_settings, ars_inspect,
     ars_print},
};

}  // namespace

const Algorithm& algorithm(Algo a) {
  for (const Algorithm& row : kAlgorithms)
    if (row.algo == a) return row;
  throw std::invalid_argument(fmt::format("algo: '{}' has no registry row", to_string(a)));
}

}  // namespace coagent::detail

namespace coagent {

std::unique_ptr<Learner> make_learner(const RunSettings& s, EnvFactory factory) {
  return detail::algorithm(s.cfg.algo).make(s, std::move(factory));
}

RunSettings run_settings_of(const Learner& l) {
  RunSettings s;
  s.cfg = l.config();
  detail::algorithm(s.cfg.algo).own_settings_of(l, s);
  return s;
}

}  // namespace coagent
