// tests/fuzz/fuzz_replay.cpp — libFuzzer target for `coagent replay`'s input.
//
// Each input is what `coagent replay` reads: its first line is the --state value
// (empty: none), the other lines are its stdin, one action per line. For every
// built-in environment but Gymnasium's MuJoCo tasks (a fuzzed state can make their
// simulation unstable, which they report with std::runtime_error by design;
// tests/python/test_mujoco.py tests them) the state is set and the lines go through
// parse_action_line() and step the environment, as the CLI does, except that a
// rejected line or state does not end the run and a finished episode restarts, so
// every line is used. The contract: parse_action_line() returns an empty vector or
// exactly `expected` finite values, or throws std::invalid_argument; parse_state()
// and Env::set_state() set a state or throw std::invalid_argument; a step on a
// finite action gives a finite observation. (Not always a finite reward: rewards
// follow Gymnasium's arithmetic on the unclipped action, and MountainCarContinuous's
// -0.1 a^2 overflows to -inf for |a| > 1e154.)
//
// tests/unit/test_fuzz_regressions.cpp runs the corpus and the regressions through
// fuzz_replay_input() (compiled there with COAGENT_FUZZ_NO_MAIN).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/env.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::fuzz {
namespace {

struct PropertyViolation : std::logic_error {
  using std::logic_error::logic_error;
};

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

// Throws std::invalid_argument if the state or a line was rejected (after trying
// every line).
void fuzz_replay_input(const std::uint8_t* data, std::size_t size) {
  const auto lines = lines_of(std::string_view(reinterpret_cast<const char*>(data), size));
  bool rejected = false;
  for (const auto& name : builtin_env_names()) {
    if (envs::is_mujoco_task(name)) continue;
    auto env = make_env(name);
    std::vector<double> obs(env->observation_size());
    env->reset(0, obs);
    if (!lines.empty() && !lines[0].empty()) {
      try {
        env->set_state(parse_state(lines[0], "--state"));
      } catch (const std::invalid_argument&) {
        rejected = true;
      }
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
      std::vector<double> action;
      try {
        action = parse_action_line(lines[i], env->action_size(), static_cast<long>(i));
      } catch (const std::invalid_argument&) {
        rejected = true;
        continue;
      }
      if (action.empty()) continue;
      if (static_cast<int>(action.size()) != env->action_size())
        throw PropertyViolation("parse_action_line returned the wrong number of values");
      for (double a : action)
        if (!std::isfinite(a)) throw PropertyViolation("parse_action_line returned a non-finite value");
      const StepResult r = env->step(action, obs);
      for (double o : obs)
        if (!std::isfinite(o)) throw PropertyViolation("a step gave a non-finite observation");
      if (r.terminated || r.truncated) env->reset(std::nullopt, obs);
    }
  }
  if (rejected) throw std::invalid_argument("fuzz_replay: the state or a line was rejected");
}

}  // namespace coagent::fuzz

#ifndef COAGENT_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    coagent::fuzz::fuzz_replay_input(data, size);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
#endif
