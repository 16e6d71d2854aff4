// Environments against values computed by hand from Gymnasium's equations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <memory>
#include <stdexcept>
#include <string>
#include <optional>
#include <vector>

#include "coagent/env.hpp"
#include "coagent/random.hpp"
#include "envs/envs.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent {
namespace {

struct Stepper {
  explicit Stepper(std::string_view name) : env(make_env(name)), obs(env->observation_size()) {
    env->reset(7, obs);
  }
  StepResult step(double a) {
    const double act[1] = {a};
    return env->step(act, obs);
  }
  std::unique_ptr<Env> env;
  std::vector<double> obs;
};

double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

// --- chain ---------------------------------------------------------------------

TEST(Chain, StartsAtZeroAndObservesPOver100) {
  Stepper s("chain");
  EXPECT_EQ(s.obs[0], 0.0);
  s.step(0.3);
  s.step(1.0);
  EXPECT_DOUBLE_EQ(s.obs[0], 0.02);
  EXPECT_EQ(s.env->state()[0], 2.0);
}

TEST(Chain, LeftMoveCostsOneEvenAgainstTheWall) {
  Stepper s("chain");
  const StepResult r = s.step(-0.5);
  EXPECT_EQ(r.reward, -1.0);
  EXPECT_EQ(s.env->state()[0], 0.0);
  EXPECT_FALSE(r.terminated);
}

TEST(Chain, ZeroActionMovesLeft) {
  Stepper s("chain");
  s.step(1.0);
  const StepResult r = s.step(0.0);
  EXPECT_EQ(r.reward, -1.0);
  EXPECT_EQ(s.env->state()[0], 0.0);
}

TEST(Chain, ReachingTheEndPaysHundredAndTerminates) {
  Stepper s("chain");
  StepResult r;
  for (int i = 0; i < 100; ++i) {
    r = s.step(1.0);
    if (i < 99) {
      EXPECT_EQ(r.reward, 0.0);
      EXPECT_FALSE(r.terminated);
    }
  }
  EXPECT_EQ(r.reward, 100.0);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.truncated);
}

TEST(Chain, TruncatedAfter500Steps) {
  Stepper s("chain");
  StepResult r;
  for (int i = 0; i < 500; ++i) {
    r = s.step(-1.0);
    if (i < 499) {
      EXPECT_FALSE(r.truncated);
    }
  }
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.terminated);
}

TEST(Chain, RejectsNanAndWrongSize) {
  Stepper s("chain");
  EXPECT_THROW(s.step(std::nan("")), std::invalid_argument);
  const double two[2] = {1, 1};
  EXPECT_THROW(s.env->step(two, s.obs), std::invalid_argument);
  const double bad_state[1] = {101};
  EXPECT_THROW(s.env->set_state(bad_state), std::invalid_argument);
}

// --- mountaincar -----------------------------------------------------------------

// One step of Gymnasium's arithmetic, in double, written independently.
struct McStep {
  double pos, vel, reward;
  bool terminated;
};
McStep mc_reference(double pos, double vel, double action) {
  const double force = std::min(std::max(action, -1.0), 1.0);
  vel += force * 0.0015 - 0.0025 * std::cos(3 * pos);
  vel = std::min(std::max(vel, -0.07), 0.07);
  pos += vel;
  pos = std::min(std::max(pos, -1.2), 0.6);
  if (pos == -1.2 && vel < 0) vel = 0;
  const bool term = pos >= 0.45 && vel >= 0;
  const double reward = (term ? 100.0 : 0.0) - action * action * 0.1;
  return {pos, vel, reward, term};
}

TEST(MountainCar, StepMatchesTheEquationsWithFloat32State) {
  Stepper s("mountaincar");
  const double st[2] = {-0.5, 0.0};
  s.env->set_state(st);
  double pos = -0.5, vel = 0.0;
  for (double a : {0.5, -1.5, 1.0, 0.25, -0.75}) {
    const McStep want = mc_reference(pos, vel, a);
    const StepResult r = s.step(a);
    pos = f32(want.pos);
    vel = f32(want.vel);
    EXPECT_EQ(s.env->state()[0], pos);
    EXPECT_EQ(s.env->state()[1], vel);
    EXPECT_EQ(s.obs[0], pos);
    EXPECT_DOUBLE_EQ(r.reward, want.reward);
  }
}

// A car driven into the left wall holds float32(-1.2), just below -1.2: that state (and
// float32 of the speed limits) is what a checkpoint stores, and it must load again.
TEST(MountainCar, TheStateAtTheWallSetsAgain) {
  auto env = make_env("mountaincar");
  std::vector<double> obs(2);
  env->reset(1, obs);
  env->set_state(std::vector<double>{-1.19, -0.06});
  env->step(std::vector<double>{-1.0}, obs);  // into the wall: clipped to -1.2, stored as float32
  const std::vector<double> at_wall = env->state();
  ASSERT_LT(at_wall[0], -1.2);
  EXPECT_NO_THROW(env->set_state(at_wall));
  const double f = static_cast<float>(0.07);
  EXPECT_NO_THROW(env->set_state(std::vector<double>{-0.5, f}));
  EXPECT_NO_THROW(env->set_state(std::vector<double>{-0.5, -f}));
  EXPECT_THROW(env->set_state(std::vector<double>{-1.21, 0.0}), std::invalid_argument);
  EXPECT_THROW(env->set_state(std::vector<double>{-0.5, 0.0701}), std::invalid_argument);
}

TEST(MountainCar, FirstStepFromHandComputedValues) {
  Stepper s("mountaincar");
  const double st[2] = {-0.5, 0.0};
  s.env->set_state(st);
  const StepResult r = s.step(0.5);
  const double v = 0.5 * 0.0015 - 0.0025 * std::cos(-1.5);
  EXPECT_EQ(s.env->state()[1], f32(v));
  EXPECT_EQ(s.env->state()[0], f32(-0.5 + v));
  EXPECT_DOUBLE_EQ(r.reward, -0.025);
}

TEST(MountainCar, RewardChargesTheUnclippedAction) {
  Stepper s("mountaincar");
  const double st[2] = {-0.5, 0.0};
  s.env->set_state(st);
  const StepResult r = s.step(-3.0);  // force clipped to -1, cost on -3
  EXPECT_DOUBLE_EQ(r.reward, -0.9);
  const double v = -1.0 * 0.0015 - 0.0025 * std::cos(-1.5);
  EXPECT_EQ(s.env->state()[1], f32(v));
}

TEST(MountainCar, LeftWallStopsTheCar) {
  Stepper s("mountaincar");
  const double st[2] = {-1.19, -0.05};
  s.env->set_state(st);
  s.step(-1.0);
  EXPECT_EQ(s.env->state()[0], f32(-1.2));
  EXPECT_EQ(s.env->state()[1], 0.0);
}

TEST(MountainCar, VelocityIsClipped) {
  Stepper s("mountaincar");
  const double st[2] = {-0.5, 0.0699};
  s.env->set_state(st);
  s.step(1.0);
  EXPECT_EQ(s.env->state()[1], f32(0.07));
}

TEST(MountainCar, TerminatesAtTheGoalWithBonus) {
  Stepper s("mountaincar");
  const double st[2] = {0.44, 0.02};
  s.env->set_state(st);
  const StepResult r = s.step(0.0);
  EXPECT_TRUE(r.terminated);
  EXPECT_DOUBLE_EQ(r.reward, 100.0);
}

TEST(MountainCar, TerminationIsTestedBeforeFloat32Rounding) {
  // Land at a double position >= 0.45 whose float32 rounding is below 0.45
  // (float32(0.45) = 0.449999988): Gymnasium terminates, because it tests before
  // storing the state as float32.
  Stepper s("mountaincar");
  const double vel0 = 0.01;
  double pos0 = 0.44;
  for (int i = 0; i < 20; ++i) pos0 = 0.45 - (vel0 - 0.0025 * std::cos(3 * pos0));
  while (mc_reference(pos0, vel0, 0.0).pos < 0.45) pos0 = std::nextafter(pos0, 1.0);
  const McStep want = mc_reference(pos0, vel0, 0.0);
  ASSERT_GE(want.pos, 0.45);
  ASSERT_LT(f32(want.pos), 0.45);  // testing after the rounding would say "not yet"
  const double st[2] = {pos0, vel0};
  s.env->set_state(st);
  const StepResult r = s.step(0.0);
  EXPECT_TRUE(r.terminated);
  EXPECT_LT(s.env->state()[0], 0.45);
}

TEST(MountainCar, TruncatedAfter999Steps) {
  Stepper s("mountaincar");
  StepResult r;
  for (int i = 0; i < 999; ++i) {
    r = s.step(0.0);
    ASSERT_FALSE(r.terminated);
    if (i < 998) {
      EXPECT_FALSE(r.truncated);
    }
  }
  EXPECT_TRUE(r.truncated);
}

// Gymnasium: self.state = np.array([uniform(-0.6, -0.4), 0]) stays float64 until the
// first step, but reset returns np.array(self.state, dtype=np.float32).
TEST(MountainCar, ResetKeepsPositionInDoubleAndReturnsFloat32) {
  auto env = make_env("mountaincar");
  std::vector<double> obs(2);
  bool some_not_float = false;
  double lo = 0.0, hi = -1.0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    env->reset(seed, obs);
    const double position = env->state()[0];
    EXPECT_GE(position, -0.6);
    EXPECT_LT(position, -0.4);
    EXPECT_EQ(env->state()[1], 0.0);
    EXPECT_EQ(obs[0], f32(position));
    EXPECT_EQ(obs[1], 0.0);
    if (f32(position) != position) some_not_float = true;
    lo = std::min(lo, position);
    hi = std::max(hi, position);
  }
  EXPECT_TRUE(some_not_float);
  // Spread over the range, not a constant start (50 uniform draws: the extremes
  // fall within 0.02 of the ends with probability 1 - 2 * 0.9^50).
  EXPECT_LT(lo, -0.58);
  EXPECT_GT(hi, -0.42);
}

TEST(MountainCar, SameSeedSameStart) {
  auto a = make_env("mountaincar"), b = make_env("mountaincar");
  std::vector<double> oa(2), ob(2);
  a->reset(3, oa);
  b->reset(3, ob);
  EXPECT_EQ(oa, ob);
  a->reset(std::nullopt, oa);
  b->reset(4, ob);
  EXPECT_NE(oa, ob);
}

// --- pendulum --------------------------------------------------------------------

TEST(Pendulum, AngleNormalizeIsFloorModulo) {
  const double pi = std::numbers::pi;
  EXPECT_NEAR(envs::angle_normalize(-4.0), -4.0 + 2 * pi, 1e-12);  // C fmod would give -4
  EXPECT_NEAR(envs::angle_normalize(4.0), 4.0 - 2 * pi, 1e-12);
  EXPECT_NEAR(envs::angle_normalize(0.5), 0.5, 1e-15);
  EXPECT_NEAR(envs::angle_normalize(7.0), 7.0 - 2 * pi, 1e-12);
  EXPECT_NEAR(envs::angle_normalize(-10.0), -10.0 + 4 * pi, 1e-12);
  EXPECT_GE(envs::angle_normalize(-pi), -pi);
  EXPECT_LT(envs::angle_normalize(-pi), pi);
  EXPECT_EQ(envs::python_fmod(-1.0, 3.0), 2.0);
  EXPECT_EQ(envs::python_fmod(1.0, -3.0), -2.0);
}

TEST(Pendulum, StepMatchesTheEquationsAndCostUsesTheOldState) {
  Stepper s("pendulum");
  const double th = 2.5, thdot = -1.25, u = 1.5;
  const double st[2] = {th, thdot};
  s.env->set_state(st);
  const StepResult r = s.step(u);
  const double an = envs::angle_normalize(th);
  const double cost = an * an + 0.1 * thdot * thdot + 0.001 * u * u;
  const double newthdot = thdot + (15.0 * std::sin(th) + 3.0 * u) * 0.05;
  EXPECT_DOUBLE_EQ(r.reward, -cost);
  EXPECT_DOUBLE_EQ(s.env->state()[1], newthdot);
  EXPECT_DOUBLE_EQ(s.env->state()[0], th + newthdot * 0.05);
  EXPECT_EQ(s.obs[0], f32(std::cos(th + newthdot * 0.05)));
  EXPECT_FALSE(r.terminated);
}

TEST(Pendulum, TorqueAndSpeedAreClippedAndThetaIsNotWrapped) {
  Stepper s("pendulum");
  const double st[2] = {-3.3, -7.9};
  s.env->set_state(st);
  const StepResult r = s.step(-5.0);  // torque clipped to -2, also in the cost
  const double an = envs::angle_normalize(-3.3);
  EXPECT_DOUBLE_EQ(r.reward, -(an * an + 0.1 * 7.9 * 7.9 + 0.001 * 4.0));
  EXPECT_EQ(s.env->state()[1], -8.0);  // -7.9 + (15 sin(-3.3) - 6) 0.05 < -8
  EXPECT_DOUBLE_EQ(s.env->state()[0], -3.3 - 8.0 * 0.05);  // below -pi: not wrapped
}

TEST(Pendulum, TruncatedAfter200StepsNeverTerminated) {
  Stepper s("pendulum");
  StepResult r;
  for (int i = 0; i < 200; ++i) {
    r = s.step(0.0);
    ASSERT_FALSE(r.terminated);
    if (i < 199) {
      EXPECT_FALSE(r.truncated);
    }
  }
  EXPECT_TRUE(r.truncated);
}

TEST(Pendulum, ResetRanges) {
  auto env = make_env("pendulum");
  std::vector<double> obs(3);
  double th_lo = 0, th_hi = 0, dot_lo = 0, dot_hi = 0;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    env->reset(seed, obs);
    const auto st = env->state();
    EXPECT_LE(std::abs(st[0]), std::numbers::pi);
    EXPECT_LE(std::abs(st[1]), 1.0);
    // The observation is (cos th, sin th, thdot) of that state, as float32.
    EXPECT_EQ(obs[0], f32(std::cos(st[0])));
    EXPECT_EQ(obs[1], f32(std::sin(st[0])));
    EXPECT_EQ(obs[2], f32(st[1]));
    th_lo = std::min(th_lo, st[0]);
    th_hi = std::max(th_hi, st[0]);
    dot_lo = std::min(dot_lo, st[1]);
    dot_hi = std::max(dot_hi, st[1]);
  }
  // Both draws spread over their ranges, not a constant start: each end's outer 10%
  // is missed by all 50 uniform draws with probability 0.9^50 < 0.01 (and the
  // seeds are fixed).
  EXPECT_LT(th_lo, -2.5);
  EXPECT_GT(th_hi, 2.5);
  EXPECT_LT(dot_lo, -0.8);
  EXPECT_GT(dot_hi, 0.8);
}

TEST(Registry, UnknownNameNamesTheValue) {
  try {
    make_env("nope");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
}

// --- what pictures ask of an environment ------------------------------------------

// observation_of_state(state()) is, bit for bit, the observation reset/step wrote.
TEST(EnvQueries, ObservationOfStateIsTheEmittedObservation) {
  for (const std::string& name : builtin_env_names()) {
    if (envs::is_mujoco_task(name)) continue;  // no pictures of them yet
    auto env = make_env(name);
    std::vector<double> obs(env->observation_size()), action(env->action_size());
    env->reset(3, obs);
    Pcg32 rng(11);
    for (int t = 0; t < 50; ++t) {
      const std::vector<double> expected = env->observation_of_state(env->state());
      ASSERT_EQ(expected.size(), obs.size()) << name;
      for (std::size_t i = 0; i < obs.size(); ++i) EXPECT_EQ(expected[i], obs[i]) << name << " step " << t;
      for (double& a : action) a = rng.uniform(-1.0, 1.0);
      env->step(action, obs);
    }
    const Box b = env->state_bounds();
    EXPECT_EQ(b.low.size(), env->state().size()) << name;
    EXPECT_EQ(b.high.size(), b.low.size()) << name;
    for (std::size_t i = 0; i < b.low.size(); ++i) EXPECT_LT(b.low[i], b.high[i]) << name;
    EXPECT_THROW(env->observation_of_state(std::vector<double>(b.low.size() + 1, 0.0)),
                 std::invalid_argument) << name;
  }
  EXPECT_EQ(make_env("mountaincar")->goal_position(), 0.45);
  EXPECT_EQ(make_env("chain")->goal_position(), 100.0);
  EXPECT_FALSE(make_env("pendulum")->goal_position().has_value());
  EXPECT_EQ(make_env("pendulum")->state_bounds().high[0], std::numbers::pi);
  EXPECT_EQ(make_env("mountaincar")->state_names(), (std::vector<std::string>{"position", "velocity"}));
}

// A custom environment keeping the defaults says "unknown"; make_checked_env names
// what is wrong with a factory.
struct EmptyEnv final : Env {
  std::string_view name() const override { return "empty"; }
  int observation_size() const override { return 0; }
  int action_size() const override { return 1; }
  Box observation_bounds() const override { return {}; }
  Box action_bounds() const override { return {{-1.0}, {1.0}}; }
  std::int64_t max_episode_steps() const override { return 1; }
  void reset(std::optional<std::uint64_t>, std::span<double>) override {}
  StepResult step(std::span<const double>, std::span<double>) override { return {}; }
};

TEST(EnvQueries, DefaultsAndCheckedFactories) {
  const EmptyEnv e;
  EXPECT_TRUE(e.state_bounds().low.empty());
  EXPECT_FALSE(e.goal_position().has_value());
  EXPECT_TRUE(e.observation_of_state(std::vector<double>{1.0}).empty());
  auto message = [](const EnvFactory& f) {
    try {
      make_checked_env(f);
    } catch (const std::invalid_argument& err) {
      return std::string(err.what());
    }
    return std::string("no exception");
  };
  EXPECT_EQ(message({}), "environment factory returned null");
  EXPECT_EQ(message([] { return std::unique_ptr<Env>(); }), "environment factory returned null");
  EXPECT_EQ(message([] { return std::unique_ptr<Env>(std::make_unique<EmptyEnv>()); }),
            "environment 'empty' has an empty observation or action");
  EXPECT_EQ(make_checked_env(builtin_env_factory("pendulum"))->name(), "pendulum");
}

}  // namespace
}  // namespace coagent
