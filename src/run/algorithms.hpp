// src/run/algorithms.hpp — the algorithm registry (internal): for every Algo, how a
// run is made from its settings, read back from a checkpoint, which settings it owns
// and how `coagent inspect` shows it. The one place that knows the concrete Learner
// types: no front end casts a Learner. A new algorithm is one row of kAlgorithms
// (algorithms.cpp) and its own folder.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coagent/run.hpp"
#include "io/byte_reader.hpp"

namespace coagent::detail {

using Entries = std::vector<std::pair<std::string, std::string>>;

struct Algorithm {
  Algo algo;
  // What its own settings' keys start with in settings text ("" for the local rules,
  // whose keys are TrainConfig's).
  std::string_view prefix;
  std::unique_ptr<Learner> (*make)(const RunSettings& s, EnvFactory factory);
  // Reads the run the checkpoint at `path` stores after its settings; throws
  // std::runtime_error naming the path on anything inconsistent.
  std::unique_ptr<Learner> (*read)(const TrainConfig& cfg, io::ByteReader& r,
                                   const EnvFactory& factory, const std::string& path);
  // Its own settings: as (key, value) pairs, unprefixed and unquoted; as settings text
  // with `prefix` before each key; and those of a learner of this algorithm.
  Entries (*own_entries)(const RunSettings& s);
  std::string (*own_text)(const RunSettings& s);
  void (*own_settings_of)(const Learner& l, RunSettings& s);
  // `coagent inspect`: the fields (JSON) and the lines printed from them.
  nlohmann::json (*inspect)(const Learner& l);
  void (*print)(const Learner& l, const nlohmann::json& j);
};

const Algorithm& algorithm(Algo a);

}  // namespace coagent::detail
