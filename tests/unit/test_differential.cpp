// Differential tests over an option-set axis: every rule under every exploration,
// noise and step-size option, (1) the async runtime against the lockstep reference
// over executors, workers and shard sizes, (2) a run saved, loaded and resumed
// (changing mode on resume) against the uninterrupted run, and (3) the digest
// itself: it changes when any piece of learned or resumable state changes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <span>
#include <string>

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

struct OptionSet {
  const char* name;
  std::function<void(TrainConfig&)> apply;
};

// Each set changes what the neurons compute; `base` is the plain Gaussian/all case.
const OptionSet kOptionSets[] = {
    {"base", [](TrainConfig&) {}},
    {"ou_noise", [](TrainConfig& c) {
       c.noise = {NoiseKind::ou};
       c.ou_theta = 0.3;
       c.ou_dt = 0.5;
     }},
    {"episode_schedule", [](TrainConfig& c) {
       c.explore_schedule = ExploreSchedule::episode;
       c.output_episodes = 0.5;
     }},
    {"freeze_hidden", [](TrainConfig& c) { c.freeze_hidden = true; }},
    {"alpha_hidden", [](TrainConfig& c) { c.alpha_hidden = 0.05; }},
    {"max_weight_norm", [](TrainConfig& c) {
       c.max_weight_norm = 0.8;
       c.alpha_actor = 0.05;
     }},
    {"plain_actor_step", [](TrainConfig& c) { c.actor_step = ActorStep::plain; }},
    {"reward_scale", [](TrainConfig& c) { c.reward_scale = 0.1; }},
};

// Pendulum: 200-step episodes, so 2400 steps cross a dozen episode boundaries (the
// episode schedule and the per-episode resets matter).
TrainConfig config_for(const OptionSet& o, Rule rule, Mode mode) {
  TrainConfig c;
  c.env = "pendulum";
  c.hidden = {12, 9};
  c.steps = 2400;
  c.seed = 11;
  c.rule = rule;
  c.mode = mode;
  c.noise_scale = {0.2, 0.1, 0.6};
  c.explore_fraction = {0.6, 1.0, 1.0};
  c.alpha_actor = 1e-2;
  c.critic_features = 64;
  o.apply(c);
  c.validate();
  return c;
}

using Case = std::tuple<int, Rule>;  // index into kOptionSets, rule

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(kOptionSets[std::get<0>(info.param)].name) + "_" +
         std::string(to_string(std::get<1>(info.param)));
}

class OptionSweep : public ::testing::TestWithParam<Case> {
 protected:
  const OptionSet& options() const { return kOptionSets[std::get<0>(GetParam())]; }
  Rule rule() const { return std::get<1>(GetParam()); }
};

// Every neuron sees the frames in lockstep's order of (step, environment): the whole
// state (network, critic, environments, counters) is bit-identical, with one
// environment or several.
TEST_P(OptionSweep, AsyncEqualsLockstep) {
  for (int envs : {1, 4}) {
    TrainConfig ref_cfg = config_for(options(), rule(), Mode::lockstep);
    ref_cfg.envs = envs;
    Trainer ref(ref_cfg);
    ref.train();
    struct Point {
      bool tbb;
      int workers, shard;
    };
    for (const Point pt : {Point{true, 1, 0}, Point{true, 4, 1}, Point{false, 2, 3}, Point{false, 8, 64}}) {
      TrainConfig cfg = ref_cfg;
      cfg.mode = Mode::async;
      cfg.shard_size = pt.shard;
      Trainer t(cfg);
      t.use_executor(make_executor(pt.tbb, pt.workers));
      with_watchdog("async run", [&] { t.train(); });
      EXPECT_EQ(digest(t), digest(ref)) << (pt.tbb ? "tbb" : "threads") << " workers " << pt.workers
                                        << " shard " << pt.shard << " envs " << envs;
      const RunStats& s = t.last_run_stats();
      EXPECT_EQ(s.shard_messages, s.expected_messages);
      EXPECT_EQ(s.frames_created, s.frames_released);
    }
  }
}

// Saved at step 1037 (inside an episode: traces and noise are live), loaded, resumed
// to 2400: equal to the uninterrupted run, for every change of mode on resume, with
// one environment or several.
TEST_P(OptionSweep, ResumeEqualsUninterrupted) {
  const std::string path = ::testing::TempDir() + "coagent_diff_" + options().name + "_" +
                           std::string(to_string(rule())) + ".ckpt";
  for (int envs : {1, 3}) {
    TrainConfig full_cfg = config_for(options(), rule(), Mode::lockstep);
    full_cfg.envs = envs;
    Trainer full(full_cfg);
    full.train();
    for (Mode first : {Mode::lockstep, Mode::async}) {
      for (Mode second : {Mode::lockstep, Mode::async}) {
        TrainConfig c = full_cfg;
        c.mode = first;
        c.steps = 1037;
        Trainer part(c);
        part.use_executor(make_executor(true, 2));
        with_watchdog("first part", [&] { part.train(); });
        save_checkpoint(part, path);
        auto resumed = load_checkpoint(path);
        EXPECT_EQ(digest(*resumed), digest(part)) << "the checkpoint lost state";
        tweak(*resumed, [&](TrainConfig& k) { k.steps = full.config().steps; });
        tweak(*resumed, [&](TrainConfig& k) { k.mode = second; });
        resumed->use_executor(make_executor(false, 3));
        with_watchdog("resumed", [&] { resumed->train(); });
        EXPECT_EQ(digest(*resumed), digest(full))
            << to_string(first) << " then " << to_string(second) << ", envs " << envs;
      }
    }
  }
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Options, OptionSweep,
                         ::testing::Combine(::testing::Range(0, static_cast<int>(std::size(kOptionSets))),
                                            ::testing::ValuesIn(kAllRules)),
                         case_name);

// Several environments, every rule, stopped and resumed in either mode: still equal.
TEST(Resume, SeveralEnvironmentsInEitherMode) {
  for (Rule rule : kAllRules) {
    TrainConfig c = config_for(kOptionSets[2], rule, Mode::lockstep);  // episode schedule
    c.envs = 3;
    Trainer full(c);
    full.train();
    for (Mode first : {Mode::lockstep, Mode::async}) {
      for (Mode second : {Mode::lockstep, Mode::async}) {
        TrainConfig p = c;
        p.steps = 1001;
        p.mode = first;
        Trainer part(p);
        part.use_executor(make_executor(true, 2));
        with_watchdog("first part", [&] { part.train(); });
        const std::string path = ::testing::TempDir() + "coagent_diff_envs.ckpt";
        save_checkpoint(part, path);
        auto resumed = load_checkpoint(path);
        tweak(*resumed, [&](TrainConfig& k) { k.steps = full.config().steps; });
        tweak(*resumed, [&](TrainConfig& k) { k.mode = second; });
        resumed->use_executor(make_executor(false, 2));
        with_watchdog("resumed", [&] { resumed->train(); });
        EXPECT_EQ(digest(*resumed), digest(full))
            << to_string(rule) << ": " << to_string(first) << " then " << to_string(second);
        std::remove(path.c_str());
      }
    }
  }
}

// The digest covers every piece of learned or resumable state: changing any one of
// them changes it, and changing the scratch half of a frame does not.
TEST(Digest, CoversEveryPieceOfState) {
  for (Rule rule : kAllRules) {
    TrainConfig c = config_for(kOptionSets[1], rule, Mode::lockstep);  // OU: noise state
    c.steps = 300;
    c.envs = 2;
    Trainer t(c);
    t.train();
    const std::string base = digest(t);
    int checked = 0;
    auto expect_changes = [&](const char* what, auto&& mutate, auto&& undo) {
      mutate();
      EXPECT_NE(digest(t), base) << what << " is not in the digest (" << to_string(rule) << ")";
      undo();
      EXPECT_EQ(digest(t), base) << what << ": undo failed";
      ++checked;
    };
    auto flip = [&](const char* what, std::span<float> v) {
      if (v.empty()) return;
      const float old = v[v.size() / 2];
      expect_changes(what, [&] { v[v.size() / 2] = old + 0.5f; }, [&] { v[v.size() / 2] = old; });
    };
    for (int l = 0; l < t.network().num_layers(); ++l) {
      LayerState& L = detail::TrainerAccess::network(t).layer(l);
      for (std::span<float> v : {std::span<float>(L.params.K), std::span<float>(L.params.b),
                                 std::span<float>(L.params.cv), std::span<float>(L.params.cc),
                                 std::span<float>(L.params.wk), std::span<float>(L.params.wa),
                                 std::span<float>(L.noise), std::span<float>(L.elig),
                                 std::span<float>(L.elig_b)})
        flip("a layer array", v);
      const float y = L.trace.back().y;
      expect_changes("a neuron's trace", [&] { L.trace.back().y += 0.5f; }, [&] { L.trace.back().y = y; });
    }
    detail::EnvSlot& s = slots(t)[1];
    flip("the current frame", s.frames[1]);  // the middle element is in the second half
    {
      const int cur = s.parity;
      const std::size_t half = s.frames[0].size() / 2;
      float& scratch = s.frames[0][(1 - cur) * half];
      scratch += 1.0f;
      EXPECT_EQ(digest(t), base) << "the scratch half of a frame is in the digest";
      scratch -= 1.0f;
    }
    const double obs = s.obs[0];
    expect_changes("an observation", [&] { s.obs[0] += 0.25; }, [&] { s.obs[0] = obs; });
    const double ret = s.episode_return;
    expect_changes("an episode return", [&] { s.episode_return += 1; }, [&] { s.episode_return = ret; });
    expect_changes("an episode length", [&] { ++s.episode_length; }, [&] { --s.episode_length; });
    expect_changes("an episode index", [&] { ++s.episode_index; }, [&] { --s.episode_index; });
    const auto state = s.env->state();
    const std::int64_t elapsed = s.env->elapsed_steps();
    expect_changes("an environment's state", [&] {
      auto st = state;
      st[0] += 0.1;
      s.env->set_state(st);
      s.env->set_elapsed_steps(elapsed);
    }, [&] {
      s.env->set_state(state);
      s.env->set_elapsed_steps(elapsed);
    });
    expect_changes("an environment's step count", [&] { s.env->set_elapsed_steps(elapsed + 1); },
                   [&] { s.env->set_elapsed_steps(elapsed); });
    detail::EpisodeCounters& n = counters(t);
    const detail::EpisodeCounters saved = n;
    expect_changes("the step counter", [&] { ++n.steps; }, [&] { n = saved; });
    expect_changes("the episode counter", [&] { ++n.episodes; }, [&] { n = saved; });
    expect_changes("the recent returns", [&] { n.recent.push_back(1.0); }, [&] { n = saved; });
    const auto env_rng = s.env->rng_state();
    expect_changes("an environment's stream", [&] { s.env->set_rng_state({env_rng.first + 1, env_rng.second}); },
                   [&] { s.env->set_rng_state(env_rng); });
    if (EnvCritic* critic = detail::TrainerAccess::critic(t)) {
      flip("the critic's weights", critic->weights());
      flip("the critic's traces", critic->traces());
      flip("the critic's features", critic->current_features());
      flip("the critic's action head", critic->action_weights());
    }
    EXPECT_GE(checked, rule == Rule::perturb ? 30 : rule == Rule::dfa ? 29 : 25) << to_string(rule);
    // The runtime settings are not state.
    tweak(t, [&](TrainConfig& c) { c.threads = 7; });
    tweak(t, [&](TrainConfig& c) { c.mode = Mode::async; });
    tweak(t, [&](TrainConfig& c) { c.steps = 999999; });
    EXPECT_EQ(digest(t), base);
  }
}

}  // namespace
}  // namespace coagent
