// The asynchronous runtime against the lockstep reference, swept over executors,
// worker counts and shard sizes; counters, stop, errors, many environments.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <limits>
#include <thread>

#include "coagent/checkpoint.hpp"
#include "coagent/trainer.hpp"
#include "runtime/executor.hpp"
#include "runtime_test_support.hpp"

namespace coagent {
namespace {

using testing::make_executor;
using testing::with_watchdog;
using testing::slots;
using testing::tweak;
using testing::counters;
using testing::kAllRules;

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

// The network lockstep learns in `steps` steps of cfg's run: what an async run that
// stopped there must hold.
std::string lockstep_network_digest(TrainConfig cfg, std::int64_t steps) {
  cfg.mode = Mode::lockstep;
  cfg.steps = steps;
  Trainer ref(cfg);
  ref.train();
  return digest(ref.network());
}

void expect_consistent(const RunStats& s, std::int64_t steps) {
  EXPECT_EQ(s.env_steps, steps);
  EXPECT_EQ(s.shard_messages, s.expected_messages) << "a frame was lost or processed twice";
  EXPECT_EQ(s.frames_created, s.frames_released) << "a frame leaked or was released twice";
  EXPECT_GT(s.tasks, 0);
}

class AsyncEqualsLockstep : public ::testing::TestWithParam<std::tuple<bool, int, int, Rule>> {};

// What a run reports of its episodes, in the order it reports them.
using Records = std::vector<std::tuple<std::int64_t, std::int64_t, double, std::int64_t, int>>;
void keep_records(Trainer& t, Records& out) {
  t.set_episode_callback([&out](const EpisodeRecord& r) {
    out.emplace_back(r.step, r.episode, r.episode_return, r.length, r.env_index);
  });
}

// Every neuron, the entry serializer and the episode recorder take the frames in
// lockstep's one order of (step, environment), whatever the interleaving: the whole
// state (network, environments, counters, the episode records and their order) is
// lockstep's, bit for bit, for any number of environments.
TEST_P(AsyncEqualsLockstep, SameStateForAnyNumberOfEnvironments) {
  const auto [tbb, workers, shard, rule] = GetParam();
  for (int envs : {1, 2, 4, 8, 16}) {
    SCOPED_TRACE("envs " + std::to_string(envs));
    TrainConfig ref_cfg = small_config(Mode::lockstep);
    ref_cfg.rule = rule;
    ref_cfg.envs = envs;
    ref_cfg.env = envs % 2 == 0 ? "chain" : "mountaincar";  // chain: many episode ends
    Trainer ref(ref_cfg);
    Records ref_records, records;
    keep_records(ref, ref_records);
    ref.train();
    TrainConfig cfg = ref_cfg;
    cfg.mode = Mode::async;
    cfg.shard_size = shard;
    Trainer t(cfg);
    keep_records(t, records);
    t.use_executor(make_executor(tbb, workers));
    with_watchdog("async run", [&] { t.train(); });
    EXPECT_EQ(digest(t.network()), digest(ref.network()))
        << (tbb ? "tbb" : "threads") << " workers " << workers << " shard " << shard;
    EXPECT_EQ(digest(t), digest(ref));
    expect_consistent(t.last_run_stats(), cfg.steps);
    for (int e = 0; e < envs; ++e)
      EXPECT_EQ(slots(t)[e].env->state(), slots(ref)[e].env->state()) << "env " << e;
    EXPECT_EQ(t.episodes_done(), ref.episodes_done());
    EXPECT_EQ(counters(t).recent, counters(ref).recent);
    EXPECT_EQ(records, ref_records);
    if (envs % 2 == 0) EXPECT_GT(ref.episodes_done(), 0) << "no episode end to check";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, AsyncEqualsLockstep,
    ::testing::Combine(::testing::Bool(), ::testing::Values(1, 2, 4, 8),
                       ::testing::Values(0, 1, 3, 64),  // 0: auto
                       ::testing::ValuesIn(kAllRules)));

// obs-norm running: one set of observation statistics, updated by the environment actor
// before it encodes; with one environment async sees lockstep's statistics bit for bit.
TEST(AsyncEqualsLockstep, SameDigestWithRunningObservationStatistics) {
  for (auto [rule, envs] : {std::pair{Rule::linear, 1}, std::pair{Rule::perturb, 1},
                            std::pair{Rule::linear, 4}, std::pair{Rule::dfa, 6}}) {
    TrainConfig ref_cfg = small_config(Mode::lockstep);
    ref_cfg.rule = rule;
    ref_cfg.envs = envs;
    ref_cfg.obs_norm = ObsNorm::running;
    Trainer ref(ref_cfg);
    ref.train();
    for (int workers : {1, 3}) {
      for (int shard : {0, 1}) {
        TrainConfig cfg = ref_cfg;
        cfg.mode = Mode::async;
        cfg.shard_size = shard;
        Trainer t(cfg);
        t.use_executor(make_executor(true, workers));
        with_watchdog("async run", [&] { t.train(); });
        EXPECT_EQ(digest(t), digest(ref)) << to_string(rule) << " envs " << envs << " workers " << workers;
        EXPECT_EQ(t.network().obs_stats().count, ref.network().obs_stats().count);
      }
    }
  }
}

// `coagent bench`'s fused loop (lockstep, one thread, whole layers) and lockstep
// split into shards run in parallel with a barrier per layer compute the same thing.
// The second hidden layer (128 x padded(256) = 32768 weights) is above the size from
// which lockstep splits a layer, so the parallel path really runs.
TEST(Lockstep, FusedEqualsShardedParallelLockstep) {
  for (int envs : {1, 3}) {
    TrainConfig fused_cfg = small_config(Mode::lockstep);
    fused_cfg.hidden = {256, 128};
    fused_cfg.steps = 600;
    fused_cfg.envs = envs;
    fused_cfg.threads = 1;
    Trainer fused(fused_cfg);
    fused.train();
    EXPECT_EQ(fused.last_run_stats().split_layer_steps, 0);
    for (int workers : {2, 4}) {
      for (int shard : {1, 5, 0}) {
        TrainConfig cfg = fused_cfg;
        cfg.threads = workers;
        cfg.shard_size = shard;
        Trainer t(cfg);
        t.use_executor(make_executor(true, workers));
        with_watchdog("sharded lockstep", [&] { t.train(); });
        const RunStats& s = t.last_run_stats();
        // Every step splits the second layer (and only it) into more than one shard.
        EXPECT_EQ(s.split_layer_steps, cfg.steps) << "workers " << workers << " shard " << shard;
        EXPECT_GE(s.shard_bodies, 2 * s.split_layer_steps) << "one shard per split layer";
        EXPECT_EQ(digest(t), digest(fused))
            << "envs " << envs << " workers " << workers << " shard " << shard;
      }
    }
  }
}

// Many environments in flight, every rule (perturb: the environment critic is
// written by every environment actor under its lock, which TSan then checks).
TEST(Async, ManyEnvironmentsLoseNoFrame) {
  for (Rule rule : kAllRules) {
    for (int envs : {3, 8}) {
      for (int shard : {1, 3, 64}) {
        TrainConfig cfg = small_config(Mode::async);
        cfg.rule = rule;
        cfg.critic_features = 64;
        cfg.envs = envs;
        cfg.shard_size = shard;
        cfg.env = "chain";  // short episodes: many episode boundaries
        Trainer t(cfg);
        t.use_executor(make_executor(true, 4));
        with_watchdog("many envs", [&] { t.train(); });
        expect_consistent(t.last_run_stats(), cfg.steps);
        EXPECT_EQ(t.steps_done(), cfg.steps);
        EXPECT_GT(t.episodes_done(), 0);
        t.check_finite();
      }
    }
  }
}

// A stop requested from the progress callback (on the driver thread, while frames
// are in flight): the run ends at a step boundary and continues in either mode.
TEST(Async, StopWithWorkInFlightIsCleanAndResumable) {
  for (bool tbb : {true, false}) {
    TrainConfig cfg = small_config(Mode::async);
    cfg.steps = 2000000;
    cfg.envs = 4;
    Trainer t(cfg);
    t.use_executor(make_executor(tbb, 4));
    int calls = 0;
    with_watchdog("stop", [&] {
      t.train([&](const TrainProgress& p) {
        ++calls;
        if (p.step > 0) t.request_stop();
      });
    });
    const auto& s = t.last_run_stats();
    EXPECT_GT(t.steps_done(), 0);
    EXPECT_LT(t.steps_done(), cfg.steps);
    EXPECT_EQ(s.env_steps, t.steps_done());
    EXPECT_EQ(s.shard_messages, s.expected_messages);
    EXPECT_EQ(s.frames_created, s.frames_released);
    EXPECT_GE(calls, 2);  // the call that stopped it and the final one
    EXPECT_FALSE(t.stop_requested()) << "train() consumes the request";
    // The stop left no step out: the state is lockstep's after as many steps.
    EXPECT_EQ(digest(t.network()), lockstep_network_digest(cfg, t.steps_done()))
        << "stopped at step " << t.steps_done();
    // The stopped run continues, in either mode.
    tweak(t, [&](TrainConfig& c) { c.steps = t.steps_done() + 500; });
    tweak(t, [&](TrainConfig& c) { c.mode = Mode::lockstep; });
    t.train();
    EXPECT_EQ(t.steps_done(), t.config().steps);
    tweak(t, [&](TrainConfig& c) { c.steps += 500; });
    tweak(t, [&](TrainConfig& c) { c.mode = Mode::async; });
    with_watchdog("resume", [&] { t.train(); });
    EXPECT_EQ(t.steps_done(), t.config().steps);
    expect_consistent(t.last_run_stats(), 500);
  }
}

// A request made before train() is not lost: train() returns at once, and the one
// after it runs.
TEST(Async, StopRequestedBeforeTrainIsHonouredOnce) {
  for (Mode mode : {Mode::lockstep, Mode::async}) {
    Trainer t(small_config(mode));
    t.use_executor(make_executor(true, 2));
    t.request_stop();
    with_watchdog("stopped before", [&] { t.train(); });
    EXPECT_EQ(t.steps_done(), 0) << to_string(mode);
    with_watchdog("after", [&] { t.train(); });
    EXPECT_EQ(t.steps_done(), t.config().steps) << to_string(mode);
  }
}

struct CallbackFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The progress or the episode callback throws while shard tasks are running: train()
// waits for them, then rethrows; the state is a step boundary that saves and resumes.
TEST(Async, CallbackExceptionWaitsForTasksThenPropagates) {
  for (bool tbb : {true, false}) {
    for (bool episode_callback : {false, true}) {
      SCOPED_TRACE(std::string(tbb ? "tbb" : "threads") + (episode_callback ? ", episode" : ", progress"));
      TrainConfig cfg = small_config(Mode::async);
      cfg.env = "chain";
      cfg.steps = 2000000;
      cfg.envs = 4;
      cfg.threads = 2;
      Trainer t(cfg);
      t.use_executor(make_executor(tbb, 2));
      if (episode_callback)
        t.set_episode_callback([](const EpisodeRecord& e) {
          if (e.episode >= 5) throw CallbackFailure("episode callback failed");
        });
      with_watchdog("callback throws", [&] {
        try {
          t.train([&](const TrainProgress& p) {
            if (!episode_callback && p.step > 0) throw CallbackFailure("progress callback failed");
          });
          ADD_FAILURE() << "no exception";
        } catch (const CallbackFailure& e) {
          EXPECT_NE(std::string(e.what()).find("callback failed"), std::string::npos);
        }
      });
      EXPECT_GT(t.steps_done(), 0);
      EXPECT_LT(t.steps_done(), cfg.steps);
      // No step left out: lockstep's state after as many steps.
      EXPECT_EQ(digest(t.network()), lockstep_network_digest(cfg, t.steps_done()))
          << "at step " << t.steps_done();
      // Every environment stands at a step boundary inside a live episode (one that
      // just ended was reset): not past its time limit, not at the goal.
      for (const detail::EnvSlot& slot : slots(t)) {
        EXPECT_LT(slot.episode_length, slot.env->max_episode_steps());
        EXPECT_LT(slot.env->state()[0], 100.0) << "an environment was left at the goal";
      }
      t.set_episode_callback({});
      // Saved and loaded, the run continues to its budget.
      const std::string path = ::testing::TempDir() + "coagent_callback_throws.ckpt";
      save_checkpoint(t, path);
      auto resumed = load_checkpoint(path);
      EXPECT_EQ(digest(*resumed), digest(t));
      tweak(*resumed, [&](TrainConfig& c) { c.steps = t.steps_done() + 800; });
      resumed->use_executor(make_executor(tbb, 2));
      with_watchdog("after the exception", [&] { resumed->train(); });
      EXPECT_EQ(resumed->steps_done(), resumed->config().steps);
      expect_consistent(resumed->last_run_stats(), 800);
      std::remove(path.c_str());
    }
  }
}

// With one environment the run that the episode callback stopped by throwing (in
// lockstep, or async on either executor) is the run a stop request from the same
// callback ends in lockstep, bit for bit.
TEST(Async, EpisodeCallbackExceptionStopsAtTheStepBoundaryOfAStop) {
  TrainConfig cfg = small_config(Mode::lockstep);
  cfg.env = "chain";
  cfg.steps = 2000000;
  Trainer ref(cfg);
  ref.set_episode_callback([&](const EpisodeRecord& e) {
    if (e.episode >= 3) ref.request_stop();
  });
  ref.train();
  ASSERT_EQ(ref.episodes_done(), 3);
  for (int run = 0; run < 3; ++run) {
    const bool tbb = run == 1;
    cfg.mode = run == 0 ? Mode::lockstep : Mode::async;
    Trainer t(cfg);
    t.use_executor(make_executor(tbb, 2));
    t.set_episode_callback([](const EpisodeRecord& e) {
      if (e.episode >= 3) throw CallbackFailure("episode callback failed");
    });
    with_watchdog("episode callback throws", [&] {
      EXPECT_THROW(t.train(), CallbackFailure);
    });
    EXPECT_EQ(digest(t), digest(ref)) << (run == 0 ? "lockstep" : tbb ? "async, tbb" : "async, threads");
  }
}

// An environment that fails after a while: its step throws, or (infinite_reward) it
// returns an infinite reward from then on.
class FailingEnv final : public Env {
 public:
  explicit FailingEnv(int fail_at, bool infinite_reward = false)
      : inner_(make_env("chain")), fail_at_(fail_at), infinite_reward_(infinite_reward) {}
  std::string_view name() const override { return "failing"; }
  int observation_size() const override { return inner_->observation_size(); }
  int action_size() const override { return inner_->action_size(); }
  Box observation_bounds() const override { return inner_->observation_bounds(); }
  Box action_bounds() const override { return inner_->action_bounds(); }
  std::int64_t max_episode_steps() const override { return inner_->max_episode_steps(); }
  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override { inner_->reset(seed, obs); }
  StepResult step(std::span<const double> a, std::span<double> obs) override {
    ++steps_;
    if (infinite_reward_ && steps_ >= fail_at_) {
      StepResult r = inner_->step(a, obs);
      r.reward = std::numeric_limits<double>::infinity();
      return r;
    }
    if (steps_ == fail_at_) throw std::runtime_error("sensor failure at step " + std::to_string(steps_));
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
  bool infinite_reward_;
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

// The divergence guard: an environment that starts returning +inf poisons the
// parameters within a step or two; train() then throws DivergenceError naming the
// layer, the neuron and the step, in both modes and for every rule.
TEST(Async, InfiniteRewardIsCaughtAsDivergence) {
  for (Mode mode : {Mode::lockstep, Mode::async}) {
    for (Rule rule : kAllRules) {
      TrainConfig cfg = small_config(mode);
      cfg.env = "failing";
      cfg.rule = rule;
      cfg.critic_features = 64;
      cfg.envs = mode == Mode::async ? 3 : 1;
      cfg.steps = 5000;
      Trainer t(cfg, [] { return std::make_unique<FailingEnv>(300, true); });
      t.use_executor(make_executor(true, 2));
      with_watchdog("infinite reward", [&] {
        try {
          t.train();
          ADD_FAILURE() << "no DivergenceError, " << to_string(mode) << " " << to_string(rule);
        } catch (const DivergenceError& e) {
          const std::string m = e.what();
          EXPECT_NE(m.find("diverged: layer "), std::string::npos) << m;
          EXPECT_NE(m.find(", neuron "), std::string::npos) << m;
          EXPECT_NE(m.find(" at step "), std::string::npos) << m;
          EXPECT_TRUE(m.find("nan") != std::string::npos || m.find("inf") != std::string::npos) << m;
        }
      });
      EXPECT_LT(t.steps_done(), cfg.steps) << to_string(mode) << " " << to_string(rule);
    }
  }
}

// With many environments in flight, async is lockstep on every seed: the same
// network, the same evaluation (it used to be a learning threshold, because which
// environment's frame a neuron saw first depended on scheduling).
TEST(Async, ManyEnvironmentsAreLockstepOnEverySeed) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    TrainConfig cfg;
    cfg.env = "chain";
    cfg.hidden = {8};
    cfg.steps = 40000;
    cfg.seed = seed;
    cfg.envs = 8;
    cfg.mode = Mode::lockstep;
    Trainer ref(cfg);
    ref.train();
    cfg.mode = Mode::async;
    Trainer t(cfg);
    t.use_executor(make_executor(true, 2));
    with_watchdog("chain", [&] { t.train(); });
    EXPECT_EQ(digest(t), digest(ref)) << "seed " << seed;
    EXPECT_EQ(t.evaluate(3, 5).mean_return, ref.evaluate(3, 5).mean_return) << "seed " << seed;
  }
}

}  // namespace
}  // namespace coagent
