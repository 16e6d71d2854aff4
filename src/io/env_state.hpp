// src/io/env_state.hpp — an Env's resumable state in the checkpoint bytes, shared by
// the local-rule trainer's slots and the DDPG run: state(), elapsed_steps() and the
// two words of rng_state(), in that order. Internal to the library.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "coagent/env.hpp"
#include "io/byte_reader.hpp"
#include "io/byte_writer.hpp"

namespace coagent::io {

inline void put_env_state(ByteWriter& w, const Env& env) {
  w.put_vec(env.state());
  w.put(env.elapsed_steps());
  const auto rs = env.rng_state();
  w.put(rs.first);
  w.put(rs.second);
}

// Reads what put_env_state wrote into `env`; an Env that rejects the values fails
// the reader with its message.
inline void get_env_state(ByteReader& r, Env& env) {
  const std::vector<double> state = r.get_vec<double>("environment state");
  const auto elapsed = r.get<std::int64_t>("elapsed steps");
  const auto rs0 = r.get<std::uint64_t>("environment stream");
  const auto rs1 = r.get<std::uint64_t>("environment stream");
  try {
    env.set_state(state);
    env.set_elapsed_steps(elapsed);
  } catch (const std::invalid_argument& e) {
    r.fail(e.what());
  }
  env.set_rng_state({rs0, rs1});
}

}  // namespace coagent::io
