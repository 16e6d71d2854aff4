// src/run/inspect.hpp — what `coagent inspect` shows of a learner (internal): its
// fields as JSON (`inspect --json`) and the lines printed from them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "coagent/ars.hpp"
#include "coagent/ddpg.hpp"
#include "coagent/learner.hpp"
#include "coagent/trainer.hpp"

namespace coagent {

// Any algorithm (through the registry); "path" is the checkpoint's.
nlohmann::json inspect_learner(const Learner& l, const std::string& path);
void print_learner(const Learner& l, const nlohmann::json& j);

// Per algorithm (the registry's rows).
nlohmann::json inspect_json(const Trainer& t);
nlohmann::json inspect_json(const DdpgLearner& d);
nlohmann::json inspect_json(const ArsLearner& a);
void print_inspect(const Trainer& t, const nlohmann::json& j);
void print_inspect(const DdpgLearner& d, const nlohmann::json& j);
void print_inspect(const ArsLearner& a, const nlohmann::json& j);

}  // namespace coagent
