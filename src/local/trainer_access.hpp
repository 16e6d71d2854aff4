// src/local/trainer_access.hpp — the library's view of a Trainer's insides: its
// run state, network and environment critic, for the checkpoint writer and reader
// and for tests. Not installed; applications use the public Trainer API.
#pragma once

#include <memory>
#include <utility>

#include "coagent/trainer.hpp"
#include "runtime/run_state.hpp"

namespace coagent::detail {

// A run read back from a checkpoint, from which the Trainer is constructed.
struct TrainerParts {
  Network net;
  RunState run;
  std::unique_ptr<EnvCritic> critic;
};

struct TrainerAccess {
  static std::unique_ptr<Trainer> restore(TrainConfig cfg, EnvFactory factory, TrainerParts parts) {
    return std::unique_ptr<Trainer>(new Trainer(std::move(cfg), std::move(factory), std::move(parts)));
  }
  static RunState& run(Trainer& t) noexcept { return *t.run_; }
  static const RunState& run(const Trainer& t) noexcept { return *t.run_; }
  static Network& network(Trainer& t) noexcept { return t.net_; }
  static EnvCritic* critic(Trainer& t) noexcept { return t.critic_.get(); }
  static const EnvFactory& factory(const Trainer& t) noexcept { return t.factory_; }
};

}  // namespace coagent::detail
