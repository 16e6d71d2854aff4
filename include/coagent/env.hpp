// coagent/env.hpp — the environment interface and the built-in environments.
//
// An Env mirrors Gymnasium's API: reset(seed) -> observation; step(action) ->
// observation, reward, terminated, truncated. The built-in environments (`chain`,
// `mountaincar`, `pendulum`, and Gymnasium's MuJoCo tasks when built with MuJoCo)
// reproduce Gymnasium's arithmetic step for step (see docs/design.md §2 and the comments
// in src/envs/). Applications supply their own environments by deriving from Env.
//
// Threading: an Env object is used by one thread at a time; the runtime never calls
// two members of the same Env concurrently. Different Env objects may be used from
// different threads at the same time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coagent {

struct Box {
  std::vector<double> low;
  std::vector<double> high;
};

struct StepResult {
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;
};

// What an evaluation measured; the environment decides what "success" and
// "solved" mean for it.
struct EpisodeStats {
  double episode_return = 0.0;
  std::int64_t length = 0;
  bool terminated = false;
};

// A picture of a body in one plane (Env::body_picture): its parts as thick line segments
// (a point for a sphere), in world metres.
struct BodySegment {
  double x0, y0, x1, y1;  // the plane's coordinates (side view: x and z; top view: x and y)
  double radius;
};
struct BodyPicture {
  bool top = false;  // drawn from above (x-y), else from the side (x-z, the floor at 0)
  std::vector<BodySegment> segments;
};

class Env {
 public:
  virtual ~Env() = default;

  virtual std::string_view name() const = 0;
  virtual int observation_size() const = 0;
  virtual int action_size() const = 0;
  // Nominal observation range, used by the observation encoder when normalisation
  // is on (maps [low, high] to [-1, 1]; it needs every component finite). An environment
  // without one (Gymnasium's MuJoCo tasks) gives -inf and +inf, as Gymnasium does.
  virtual Box observation_bounds() const = 0;
  // The action bounds; the network's output layer is decoded to them.
  virtual Box action_bounds() const = 0;
  // Steps after which an episode is truncated (Gymnasium's TimeLimit).
  virtual std::int64_t max_episode_steps() const = 0;

  // Starts an episode. With a seed, the environment's random stream is re-seeded
  // first (as Gymnasium's reset(seed=...)); without one, it continues.
  // Writes observation_size() values to `obs`.
  virtual void reset(std::optional<std::uint64_t> seed, std::span<double> obs) = 0;

  // Advances one step. `action` has action_size() values; values outside the
  // bounds are handled as Gymnasium does (usually clipped); NaN or infinity throws
  // std::invalid_argument. Writes the next observation to `obs`.
  virtual StepResult step(std::span<const double> action, std::span<double> obs) = 0;

  // --- optional: replay, exact resume and evaluation criteria ---------------------
  // The built-in environments implement all of these; a custom environment may keep
  // the defaults (no settable state, success never declared).

  // The internal state (what `coagent replay --state` sets), for tests, replay
  // and checkpoints. set_state also restarts the episode's step counter.
  virtual std::vector<double> state() const { return {}; }
  virtual void set_state(std::span<const double> state);
  virtual std::vector<std::string> state_names() const { return {}; }

  // Gymnasium's info dict of the last reset() or step(), in Gymnasium's order: the
  // reward terms and positions of the MuJoCo tasks ("reward_forward", "x_velocity", ...);
  // empty for the others.
  virtual std::vector<std::pair<std::string, double>> info() const { return {}; }

  // --- optional: what pictures and tools ask of an environment --------------------
  // The defaults say "unknown"; the built-in environments answer all three.

  // The nominal range of each state() component, as pictures draw it (an angle that
  // is never wrapped is given as [-pi, pi]); empty when unknown.
  virtual Box state_bounds() const { return {}; }
  // The value of state component 0 (a position) at which an episode ends
  // successfully, if the environment has one (mountaincar: 0.45, chain: 100).
  virtual std::optional<double> goal_position() const { return std::nullopt; }
  // The observation the environment emits in `state` (as reset/step would write it,
  // bit for bit), without changing the environment; empty when it cannot say.
  // Throws std::invalid_argument if `state` has the wrong size.
  virtual std::vector<double> observation_of_state(std::span<const double> /*state*/) const {
    return {};
  }
  // The body in the current state, for pictures (Gymnasium's MuJoCo tasks: their geoms
  // after set_state); empty segments when the environment has no body to draw.
  virtual BodyPicture body_picture() const { return {}; }
  // Steps taken in the current episode (for exact resume).
  virtual std::int64_t elapsed_steps() const { return 0; }
  virtual void set_elapsed_steps(std::int64_t) {}
  // The environment's random stream, for checkpoints: (state, increment).
  virtual std::pair<std::uint64_t, std::uint64_t> rng_state() const { return {0, 0}; }
  virtual void set_rng_state(std::pair<std::uint64_t, std::uint64_t>) {}

  // Whether one greedy evaluation episode counts as a success.
  virtual bool episode_success(const EpisodeStats&) const { return false; }
  // The environment's "solved" criterion over a whole evaluation (docs/design.md §2).
  virtual bool solved(double /*mean_return*/, double /*success_rate*/) const { return false; }
  // A one-line description of the criterion, for tables and --help.
  virtual std::string solved_criterion() const { return "none defined"; }
};

using EnvFactory = std::function<std::unique_ptr<Env>()>;

// One built-in environment as every front end lists it: a row of the registry
// (src/envs/registry.cpp), which the CLI's --env, Python's coagent.make and the docs read.
struct EnvInfo {
  std::string name;          // the name in settings and checkpoints (`--env`)
  std::string gymnasium_id;  // Gymnasium's id of the same task ("" where it has none)
  std::string family;        // "classic" (Gymnasium's classic control), "mujoco", "coagent"
  bool float32_observations = false;  // Gymnasium's dtypes (else float64, what the C++ computes in)
  bool float32_actions = false;
  std::optional<double> reward_threshold;  // Gymnasium's spec's, where it has one
  bool available = true;     // built here (MuJoCo's tasks need MuJoCo)
};
// Every environment the registry knows, in a stable order (unavailable ones too).
const std::vector<EnvInfo>& builtin_envs();
// Names of the built-in environments this build has, in the same order.
std::vector<std::string> builtin_env_names();

// Makes a built-in environment; throws std::invalid_argument naming the bad value
// and the known names.
std::unique_ptr<Env> make_env(std::string_view name);
// A factory of the built-in environment `name` (make_env(name) on every call).
EnvFactory builtin_env_factory(std::string name);
// `factory` if it is set, else builtin_env_factory(name) after checking the name
// (throws std::invalid_argument, as make_env, on an unknown one).
EnvFactory factory_or_builtin(EnvFactory factory, const std::string& name);

// Calls `factory` and checks what it made: throws std::invalid_argument with
// "environment factory returned null" for an empty factory or a null environment, and
// "environment '<name>' has an empty observation or action" for one without
// observations or actions.
std::unique_ptr<Env> make_checked_env(const EnvFactory& factory);

// Throws std::invalid_argument if any value is NaN or infinite (the boundary check
// shared by the built-in environments).
void check_finite_action(std::string_view env, std::span<const double> action);

}  // namespace coagent
