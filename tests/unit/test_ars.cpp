// ARS (V2-t): the policy, the statistics merge and the update step against hand
// computations; thread-count invariance, exact resume and whole iterations; checkpoints
// and bad input; a bounded learning test on MountainCar against the untrained policy.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "ars/ars_run.hpp"
#include "ars/policy.hpp"
#include "coagent/run.hpp"
#include "coagent/ars.hpp"
#include "coagent/checkpoint.hpp"
#include "coagent/exp2.hpp"
#include "coagent/session.hpp"
#include "coagent/trainer.hpp"
#include "io/archive.hpp"

namespace coagent {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("coagent_ars_" + name)).string();
}

TrainConfig ars_run_config(const std::string& env, std::uint64_t seed, int threads) {
  TrainConfig c;
  c.algo = Algo::ars;
  c.env = env;
  c.seed = seed;
  c.threads = threads;
  c.steps = 1000000;
  return c;
}

// RL Zoo's MountainCarContinuous settings (the mountaincar preset's).
ArsConfig mountaincar_ars() { return ars_config_for(find_preset("mountaincar")); }

// --- the math ---------------------------------------------------------------------------

TEST(ArsPolicy, ForwardMatchesAHandComputation) {
  ars::PolicyShape s{{2, 2, 1}, ArsActivation::relu, true};
  ASSERT_EQ(s.parameter_count(), 9u);
  // W1 = [[1, -1], [0.5, 2]], b1 = [0, -3], W2 = [[2, 1]], b2 = [0.1].
  const std::vector<double> theta = {1, -1, 0.5, 2, 0, -3, 2, 1, 0.1};
  std::vector<double> scratch(4), out(1);
  ars::policy_forward(s, theta, std::vector<double>{0.3, 0.1}, scratch, out);
  // h = relu([0.2, -2.65]) = [0.2, 0]; y = tanh(0.4 + 0.1).
  EXPECT_DOUBLE_EQ(out[0], std::tanh(0.5));
  s.activation = ArsActivation::tanh;
  s.squash = false;
  ars::policy_forward(s, theta, std::vector<double>{0.3, 0.1}, scratch, out);
  EXPECT_DOUBLE_EQ(out[0], std::clamp(2 * std::tanh(0.2) + std::tanh(-2.65) + 0.1, -1.0, 1.0));
  const ars::PolicyShape linear{{2, 1}, ArsActivation::relu, false};
  ars::policy_forward(linear, std::vector<double>{4, 1, 0.5}, std::vector<double>{0.5, 0.5},
                      scratch, out);
  EXPECT_EQ(out[0], 1.0);  // 3 clipped
}

TEST(ArsPolicy, InitialisationIsPyTorchUniformSeededOrZero) {
  const ars::PolicyShape s{{4, 16, 1}, ArsActivation::relu, true};
  const auto a = ars::initial_parameters(s, false, 7);
  EXPECT_EQ(a.size(), s.parameter_count());
  EXPECT_EQ(a, ars::initial_parameters(s, false, 7));
  EXPECT_NE(a, ars::initial_parameters(s, false, 8));
  for (std::size_t i = 0; i < 80; ++i) EXPECT_LE(std::abs(a[i]), 0.5);  // 1/sqrt(4)
  for (std::size_t i = 80; i < a.size(); ++i) EXPECT_LE(std::abs(a[i]), 0.25);  // 1/sqrt(16)
  for (double x : ars::initial_parameters(s, true, 7)) EXPECT_EQ(x, 0.0);
}

TEST(ArsStats, MergingRolloutsEqualsSeeingEverythingInOrder) {
  RunningStats all(2), a(2), b(2);
  for (int i = 0; i < 50; ++i) {
    const std::vector<double> x = {std::sin(i * 0.7), 3.0 + i * 0.01};
    all.update(x);
    (i < 20 ? a : b).update(x);
  }
  RunningStats merged(2);
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.count, 50);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(merged.mean[i], all.mean[i], 1e-12);
    EXPECT_NEAR(merged.stddev(i), all.stddev(i), 1e-12);
  }
}

TEST(ArsUpdate, KeepsTheTopDirectionsAndScalesByTheirReturnStd) {
  // Three directions of two parameters; max(r+, r-) = 5, 2, 4: the top 2 are 0 and 2.
  std::vector<double> theta = {1.0, -1.0};
  const std::vector<double> deltas = {1, 0, 0, 1, 0.5, 0.5};
  const std::vector<double> plus = {5, 2, 1}, minus = {3, 1, 4};
  const ars::UpdateInfo info = ars::ars_update(theta, deltas, plus, minus, 2, 0.1);
  const double mean = (5 + 3 + 1 + 4) / 4.0;
  const double sd = std::sqrt(((5 - mean) * (5 - mean) + (3 - mean) * (3 - mean) +
                               (1 - mean) * (1 - mean) + (4 - mean) * (4 - mean)) / 3.0);
  EXPECT_DOUBLE_EQ(info.return_std, sd);
  const double step = 0.1 / (2 * sd + 1e-6);
  EXPECT_DOUBLE_EQ(info.step_size, step);
  EXPECT_DOUBLE_EQ(theta[0], 1.0 + step * (2 * 1 + (-3) * 0.5));
  EXPECT_DOUBLE_EQ(theta[1], -1.0 + step * (2 * 0 + (-3) * 0.5));
}

// --- the run ------------------------------------------------------------------------------

// On both executors: oneTBB may run a short iteration's rollouts all on the calling
// thread, std::thread always spreads them over its workers (where TSan sees them overlap).
TEST(ArsLearner, SameDigestForAnyThreadCount) {
  std::cout << "seed 3, 30000 steps on mountaincar\n";
  std::string first;
  for (const char* executor : {"tbb", "threads"}) {
    ::setenv("COAGENT_EXECUTOR", executor, 1);
    for (int threads : {1, 2, 3}) {
      ArsLearner l(ars_run_config("mountaincar", 3, threads), mountaincar_ars());
      l.train_until(30000, {});
      if (first.empty()) first = l.digest();
      EXPECT_EQ(l.digest(), first) << threads << " threads on " << executor;
    }
  }
  ::unsetenv("COAGENT_EXECUTOR");
}

TEST(ArsLearner, IterationsAreWholeAndEveryRolloutStepCounts) {
  ArsLearner l(ars_run_config("pendulum", 2, 2), ArsConfig{});
  std::int64_t steps = 0, episodes = 0, last_step = 0;
  TrainHooks hooks;
  hooks.episode = [&](const EpisodeRecord& e) {
    steps += e.length;
    ++episodes;
    EXPECT_EQ(e.episode, episodes);
    EXPECT_EQ(e.step, steps);
    last_step = e.step;
  };
  l.train_until(3001, hooks);  // Pendulum episodes are 200 steps: 8 per iteration
  EXPECT_EQ(l.steps_done(), 3200);
  EXPECT_EQ(l.steps_done(), steps);
  EXPECT_EQ(l.episodes_done(), 16);
  EXPECT_EQ(l.iterations(), 2);
  EXPECT_EQ(last_step, 3200);
  l.train_until(3200, hooks);  // already there: nothing runs
  EXPECT_EQ(l.iterations(), 2);
}

TEST(ArsLearner, ResumedAndChunkedRunsEqualAnUninterruptedOne) {
  const std::string path = temp_path("resume.ckpt");
  ArsLearner straight(ars_run_config("mountaincar", 5, 2), mountaincar_ars());
  straight.train_until(60000, {});

  ArsLearner first(ars_run_config("mountaincar", 5, 1), mountaincar_ars());
  first.train_until(25000, {});
  first.save(path);
  std::unique_ptr<Learner> resumed = load_learner(path);
  EXPECT_EQ(resumed->digest(), first.digest());
  EXPECT_EQ(resumed->config().algo, Algo::ars);
  for (std::int64_t at = 30000; at <= 60000; at += 10000) resumed->train_until(at, {});
  EXPECT_EQ(resumed->steps_done(), straight.steps_done());
  EXPECT_EQ(resumed->digest(), straight.digest());
  // The greedy policy is the same function too.
  EXPECT_EQ(resumed->evaluate(3, 11).mean_return, straight.evaluate(3, 11).mean_return);
  std::filesystem::remove(path);
}

TEST(ArsLearner, SessionCheckpointsAndEvaluatesWhenAnIterationEndsPastTheMultiple) {
  const std::string path = temp_path("session.ckpt");
  ArsLearner l(ars_run_config("pendulum", 1, 1), ArsConfig{});
  TrainConfig c = l.config();
  c.steps = 5000;
  l.update_settings(c);
  SessionOptions o;
  o.save_path = path;
  o.eval_every = 1000;
  std::vector<std::int64_t> evals;
  o.on_eval = [&](std::int64_t step, const Learner&) { evals.push_back(step); };
  run_session(l, o);
  // 1600 steps per iteration: each chunk ends at the first iteration past its multiple.
  EXPECT_EQ(evals, (std::vector<std::int64_t>{1600, 3200, 4800, 6400}));
  EXPECT_EQ(l.steps_done(), 6400);
  EXPECT_EQ(load_learner(path)->digest(), l.digest());
  std::filesystem::remove(path);
}

TEST(ArsLearner, SolvesMountainCarWhereTheUntrainedPolicyDoesNot) {
  const std::uint64_t seed = 1;
  const std::int64_t steps = 150000;
  std::cout << "seed " << seed << ", " << steps << " steps, RL Zoo's MountainCar settings\n";
  ArsLearner l(ars_run_config("mountaincar", seed, 2), mountaincar_ars());
  const EvalResult before = l.evaluate(20, default_eval_seed(seed));
  l.train_until(steps, {});
  const EvalResult after = l.evaluate(100, default_eval_seed(seed));
  std::cout << "greedy mean return: untrained " << before.mean_return << ", trained "
            << after.mean_return << " after " << l.steps_done() << " steps\n";
  EXPECT_FALSE(before.solved);
  EXPECT_LT(before.mean_return, 50.0);
  EXPECT_TRUE(after.solved) << after.mean_return;
}

// --- checkpoints and bad input ---------------------------------------------------------

TEST(ArsCheckpoint, WrongAlgorithmAndDamagedRunsAreRefused) {
  const std::string path = temp_path("algo.ckpt");
  ArsLearner l(ars_run_config("pendulum", 4, 1), ArsConfig{});
  l.train_until(1, {});
  l.save(path);
  try {
    load_checkpoint(path);
    ADD_FAILURE() << "an ARS checkpoint loaded as a Trainer";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds a ars agent"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_learner(path, [] { return make_env("mountaincar"); }), std::runtime_error);
  std::filesystem::remove(path);

  const auto run = detail::make_ars_run(ArsConfig{}, [] { return make_env("pendulum"); }, 4);
  io::ByteWriter w;
  detail::put_ars_run(w, *run);
  const std::vector<char> bytes = w.bytes();
  const EnvFactory pendulum = [] { return make_env("pendulum"); };
  auto read = [&](const std::vector<char>& b) {
    io::ByteReader r(b, "ars run");
    return detail::read_ars_run(r, pendulum);
  };
  EXPECT_NO_THROW(read(bytes));
  for (std::size_t n = 0; n < bytes.size(); n += 1 + n / 8) {
    const std::vector<char> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(read(cut), std::runtime_error) << "truncated to " << n;
  }
  std::vector<char> longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(read(longer), std::runtime_error);
}

TEST(ArsConfig, BadValuesThrowNamingThem) {
  ArsConfig c;
  auto message = [&](const char* key, const char* value) {
    try {
      set_ars_config_entry(c, key, value);
      c.validate();
    } catch (const std::invalid_argument& e) {
      c = ArsConfig{};
      return std::string(e.what());
    }
    c = ArsConfig{};
    return std::string("no error");
  };
  EXPECT_NE(message("directions", "0").find("ars directions: 0"), std::string::npos);
  EXPECT_NE(message("top", "5").find("ars top: 5"), std::string::npos);
  EXPECT_NE(message("noise", "-0.1").find("ars noise: -0.1"), std::string::npos);
  EXPECT_NE(message("activation", "sigmoid").find("'sigmoid'"), std::string::npos);
  EXPECT_NE(message("hidden", "4,x").find("ars hidden"), std::string::npos);
  EXPECT_NE(message("bogus", "1").find("'bogus'"), std::string::npos);
  for (const auto& [key, value] : ars_config_entries(ArsConfig{}))
    EXPECT_NO_THROW(set_ars_config_entry(c, key, value)) << key;
  TrainConfig t;
  t.algo = Algo::ars;
  EXPECT_THROW(Trainer{t}, std::invalid_argument);
}

TEST(ArsConfig, DefaultsAreRlZooAndPerEnvironment) {
  const ArsConfig d;
  EXPECT_EQ(d.hidden, std::vector<int>{16});
  EXPECT_EQ(d.directions, 4);
  EXPECT_EQ(d.top, 1);
  EXPECT_EQ(d.step, 0.018);
  EXPECT_EQ(d.noise, 0.1);
  EXPECT_FALSE(d.zero_init);
  // train --algo ars --env mountaincar: RL Zoo's MountainCarContinuous-v0 block.
  auto s = resolve_settings("", "", {{"algo", "ars"}, {"env", "mountaincar"}}, {}, {});
  EXPECT_EQ(s.ars.noise, 0.2);
  EXPECT_EQ(s.cfg.steps, 500000);
  s = resolve_settings("", "", {{"algo", "ars"}, {"env", "mountaincar"}, {"steps", "1000"}},
                            {}, {{"directions", "8"}});
  EXPECT_EQ(s.cfg.steps, 1000);
  EXPECT_EQ(s.ars.directions, 8);
  EXPECT_EQ(s.ars.noise, 0.2);
  EXPECT_EQ(resolve_settings("", "", {}, {}, {}).cfg.steps, TrainConfig{}.steps);
  EXPECT_THROW(resolve_settings("", "", {}, {}, {{"top", "2"}}), std::invalid_argument);
  RunSettings from_file;
  apply_config_toml("algo = \"ars\"\nars-top = 2\nars-directions = 3\n", from_file, "t.toml");
  EXPECT_EQ(from_file.ars.top, 2);
  EXPECT_EQ(from_file.ars.directions, 3);
}

TEST(ArsExp2, TheArsColumnRunsAtTheSameBudget) {
  Exp2Options o;
  apply_preset(o.local, "mountaincar");
  o.local.steps = 20000;
  o.ars = mountaincar_ars();
  o.columns = {Exp2Column::ars};
  o.seeds = 1;
  o.eval_every = 10000;
  o.curve_episodes = 2;
  o.eval_episodes = 5;
  const std::vector<Exp2Run> runs = run_exp2(o);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].column, Exp2Column::ars);
  EXPECT_GE(runs[0].curve.size(), 3u);  // before training, then at ~10k and ~20k
  EXPECT_EQ(parse_exp2_column("ars"), Exp2Column::ars);
}

}  // namespace
}  // namespace coagent
