// The asynchronous runtime against the lockstep reference, swept over executors,
// worker counts and shard sizes; counters, stop, errors, many environments.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "coagent/checkpoint.hpp"
#include "coagent/trainer.hpp"
#include "runtime/executor.hpp"

namespace coagent {
namespace {

// Fails (instead of hanging CI) if `f` does not finish in time.
template <class F>
void with_watchdog(const char* what, F&& f, int seconds = 120) {
  auto fut = std::async(std::launch::async, std::forward<F>(f));
  if (fut.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::fprintf(stderr, "watchdog: %s did not finish in %d s (hung run)\n", what, seconds);
    std::fflush(stderr);
    std::_Exit(1);
  }
  fut.get();
}

TrainConfig small_config(Mode mode, std::uint64_t seed = 3) {
  TrainConfig c;
  c.env = "mountaincar";
  c.hidden = {16, 12};
  c.steps = 2500;
  c.seed = seed;
  c.mode = mode;
  c.noise_scale = {0.1, 0.05, 0.5};
  c.explore_fraction = {0.5, 1.0, 1.0};
  return c;
}

std::unique_ptr<runtime::Executor> make_executor(bool tbb, int workers) {
#if defined(__SANITIZE_THREAD__)
  tbb = false;  // Debian's libtbb is not instrumented: TSan checks our own synchronisation
#endif
  return tbb ? runtime::make_tbb_executor(workers) : runtime::make_thread_executor(workers);
}

void expect_consistent(const RunStats& s, std::int64_t steps) {
  EXPECT_EQ(s.env_steps, steps);
  EXPECT_EQ(s.shard_messages, s.expected_messages) << "a frame was lost or processed twice";
  EXPECT_EQ(s.frames_created, s.frames_released) << "a frame leaked or was released twice";
  EXPECT_GT(s.tasks, 0);
}

class AsyncEqualsLockstep : public ::testing::TestWithParam<std::tuple<bool, int, int, Rule>> {};

TEST_P(AsyncEqualsLockstep, SameDigestWithOneEnvironment) {
  const auto [tbb, workers, shard, rule] = GetParam();
  TrainConfig ref_cfg = small_config(Mode::lockstep);
  ref_cfg.rule = rule;
  Trainer ref(ref_cfg);
  ref.train();
  TrainConfig cfg = ref_cfg;
  cfg.mode = Mode::async;
  cfg.shard_size = shard;
  Trainer t(cfg);
  t.use_executor(make_executor(tbb, workers));
  with_watchdog("async run", [&] { t.train(); });
  EXPECT_EQ(digest(t.network()), digest(ref.network()))
      << (tbb ? "tbb" : "threads") << " workers " << workers << " shard " << shard;
  expect_consistent(t.last_run_stats(), cfg.steps);
  // The environment's state and the episode count match too.
  EXPECT_EQ(t.slots()[0].env->state(), ref.slots()[0].env->state());
  EXPECT_EQ(t.episodes_done(), ref.episodes_done());
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, AsyncEqualsLockstep,
    ::testing::Combine(::testing::Bool(), ::testing::Values(1, 2, 4, 8),
                       ::testing::Values(0, 1, 3, 64),  // 0: auto
                       ::testing::Values(Rule::linear, Rule::compatible, Rule::perturb)));

// `coagent bench`'s fused loop (lockstep, one thread, whole layers) and lockstep
// split into shards run in parallel with a barrier per layer compute the same thing.
TEST(Lockstep, FusedEqualsShardedParallelLockstep) {
  for (int envs : {1, 3}) {
    TrainConfig fused_cfg = small_config(Mode::lockstep);
    fused_cfg.envs = envs;
    fused_cfg.threads = 1;
    Trainer fused(fused_cfg);
    fused.train();
    for (int workers : {2, 4}) {
      for (int shard : {1, 5}) {
        TrainConfig cfg = fused_cfg;
        cfg.threads = workers;
        cfg.shard_size = shard;
        Trainer t(cfg);
        t.use_executor(make_executor(true, workers));
        with_watchdog("sharded lockstep", [&] { t.train(); });
        EXPECT_EQ(digest(t.network()), digest(fused.network()))
            << "envs " << envs << " workers " << workers << " shard " << shard;
      }
    }
  }
}

TEST(Async, ManyEnvironmentsLoseNoFrame) {
  for (int envs : {3, 8}) {
    for (int shard : {1, 3, 64}) {
      TrainConfig cfg = small_config(Mode::async);
      cfg.envs = envs;
      cfg.shard_size = shard;
      cfg.env = "chain";  // short episodes: many episode boundaries
      Trainer t(cfg);
      t.use_executor(make_executor(true, 4));
      with_watchdog("many envs", [&] { t.train(); });
      expect_consistent(t.last_run_stats(), cfg.steps);
      EXPECT_EQ(t.steps_done(), cfg.steps);
      EXPECT_GT(t.episodes_done(), 0);
    }
  }
}

TEST(Async, StopWithWorkInFlightIsCleanAndResumable) {
  TrainConfig cfg = small_config(Mode::async);
  cfg.steps = 2000000;
  cfg.envs = 4;
  Trainer t(cfg);
  t.use_executor(make_executor(true, 4));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    t.request_stop();
  });
  with_watchdog("stop", [&] { t.train(); });
  stopper.join();
  const auto& s = t.last_run_stats();
  EXPECT_LT(t.steps_done(), cfg.steps);
  EXPECT_EQ(s.shard_messages, s.expected_messages);
  EXPECT_EQ(s.frames_created, s.frames_released);
  // The stopped run continues, in either mode.
  t.mutable_config().steps = t.steps_done() + 500;
  t.mutable_config().mode = Mode::lockstep;
  t.train();
  EXPECT_EQ(t.steps_done(), t.config().steps);
  t.mutable_config().steps += 500;
  t.mutable_config().mode = Mode::async;
  with_watchdog("resume", [&] { t.train(); });
  EXPECT_EQ(t.steps_done(), t.config().steps);
}

// An environment whose step throws after a while.
class FailingEnv final : public Env {
 public:
  explicit FailingEnv(int fail_at) : inner_(make_env("chain")), fail_at_(fail_at) {}
  std::string_view name() const override { return "failing"; }
  int observation_size() const override { return inner_->observation_size(); }
  int action_size() const override { return inner_->action_size(); }
  Box observation_bounds() const override { return inner_->observation_bounds(); }
  Box action_bounds() const override { return inner_->action_bounds(); }
  std::int64_t max_episode_steps() const override { return inner_->max_episode_steps(); }
  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override { inner_->reset(seed, obs); }
  StepResult step(std::span<const double> a, std::span<double> obs) override {
    if (++steps_ == fail_at_) throw std::runtime_error("sensor failure at step " + std::to_string(steps_));
    return inner_->step(a, obs);
  }
  std::vector<double> state() const override { return inner_->state(); }
  void set_state(std::span<const double> s) override { inner_->set_state(s); }
  std::vector<std::string> state_names() const override { return inner_->state_names(); }
  std::int64_t elapsed_steps() const override { return inner_->elapsed_steps(); }
  void set_elapsed_steps(std::int64_t s) override { inner_->set_elapsed_steps(s); }
  std::pair<std::uint64_t, std::uint64_t> rng_state() const override { return inner_->rng_state(); }
  void set_rng_state(std::pair<std::uint64_t, std::uint64_t> s) override { inner_->set_rng_state(s); }
  bool episode_success(const EpisodeStats& e) const override { return inner_->episode_success(e); }
  bool solved(double m, double s) const override { return inner_->solved(m, s); }
  std::string solved_criterion() const override { return inner_->solved_criterion(); }

 private:
  std::unique_ptr<Env> inner_;
  int fail_at_;
  int steps_ = 0;
};

TEST(Async, EnvironmentExceptionComesBackFromTrain) {
  for (Mode mode : {Mode::async, Mode::lockstep}) {
    TrainConfig cfg = small_config(mode);
    cfg.env = "failing";
    cfg.envs = 3;
    cfg.shard_size = 2;
    Trainer t(cfg, [] { return std::make_unique<FailingEnv>(700); });
    t.use_executor(make_executor(true, 4));
    with_watchdog("failing env", [&] {
      try {
        t.train();
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("sensor failure"), std::string::npos);
      }
    });
  }
}

// With many environments in flight, async learns as well as lockstep: the same
// success rate on `chain` over 10 seeds at a fixed budget.
TEST(Async, ManyEnvironmentsLearnChainAsWellAsLockstep) {
  int solved[2] = {0, 0};
  for (int m = 0; m < 2; ++m) {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      TrainConfig cfg;
      cfg.env = "chain";
      cfg.hidden = {8};
      cfg.steps = 40000;
      cfg.seed = seed;
      cfg.envs = 8;
      cfg.mode = m == 0 ? Mode::lockstep : Mode::async;
      Trainer t(cfg);
      t.use_executor(make_executor(true, 2));
      with_watchdog("chain", [&] { t.train(); });
      solved[m] += t.evaluate(1, 5).solved ? 1 : 0;
    }
  }
  std::printf("chain, 8 envs, 10 seeds: lockstep %d/10, async %d/10\n", solved[0], solved[1]);
  EXPECT_EQ(solved[0], 10);
  EXPECT_EQ(solved[1], 10);
}

}  // namespace
}  // namespace coagent
