// The lockstep trainer: determinism, learning on `chain`, checkpoints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "coagent/checkpoint.hpp"
#include "coagent/trainer.hpp"
#include "runtime_test_support.hpp"

namespace coagent {
namespace {
using testing::slots;
using testing::tweak;

std::string tmp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("coagent_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

TrainConfig chain_config(std::uint64_t seed, std::int64_t steps = 3000) {
  TrainConfig c;
  c.env = "chain";
  c.hidden = {8};
  c.steps = steps;
  c.seed = seed;
  c.mode = Mode::lockstep;  // the reference; the async runtime has its own tests
  return c;
}

TEST(Trainer, SameSeedSameDigest) {
  for (Rule rule : {Rule::linear, Rule::compatible}) {
    TrainConfig c = chain_config(4);
    c.rule = rule;
    c.noise_scale = {0.2, 0.5};
    Trainer a(c), b(c);
    a.train();
    b.train();
    EXPECT_EQ(digest(a.network()), digest(b.network()));
    c.seed = 5;
    Trainer other(c);
    other.train();
    EXPECT_NE(digest(a.network()), digest(other.network()));
  }
}

TEST(Trainer, ChainIsSolvedByTheLinearRuleWithinBudget) {
  // The control is the untrained network of the same seed: any always-positive policy
  // solves `chain`, so only seeds whose untrained network fails count. The first five such
  // seeds must all solve it after 20,000 steps (with learning switched off, none would).
  int picked = 0, solved = 0;
  for (std::uint64_t seed = 1; seed <= 40 && picked < 5; ++seed) {
    TrainConfig c = chain_config(seed, 20000);
    Trainer t(c);
    if (t.evaluate(10, Trainer::default_eval_seed(seed)).solved) continue;  // solved untrained
    ++picked;
    t.train();
    const EvalResult r = t.evaluate(10, Trainer::default_eval_seed(seed));
    std::cout << "seed " << seed << ": mean return " << r.mean_return << "\n";
    solved += r.solved ? 1 : 0;
  }
  ASSERT_EQ(picked, 5) << "fewer than 5 of seeds 1-40 fail untrained";
  EXPECT_EQ(solved, 5);
}

// One episode on `env` from reset(seed), acting with `policy`; its return.
template <class Policy>
double rollout(Env& env, std::uint64_t seed, Policy&& policy) {
  std::vector<double> obs(env.observation_size()), action(env.action_size());
  env.reset(seed, obs);
  double ret = 0.0;
  for (;;) {
    policy(obs, action);
    const StepResult r = env.step(action, obs);
    ret += r.reward;
    if (r.terminated || r.truncated) return ret;
  }
}

// evaluate() acts with y = tanh(K.v + b) in every layer (no noise), does not learn
// and draws nothing: checked against a rollout computed here in double precision,
// and against the same network acting with its exploration noise.
TEST(Trainer, EvaluationIsGreedyAndReproducible) {
  TrainConfig c = chain_config(2, 3000);
  c.env = "pendulum";
  c.hidden = {16};
  c.noise_scale = {0.3, 1.0};
  Trainer t(c);
  t.train();
  const std::string before = digest(t);
  const EvalResult a = t.evaluate(1, 42), b = t.evaluate(1, 42);
  EXPECT_EQ(a.mean_return, b.mean_return);
  EXPECT_EQ(a.episodes, 1);
  EXPECT_EQ(digest(t), before) << "evaluation changed the learned state";
  const Network& net = t.network();
  auto greedy = [&](std::span<const double> obs, std::span<double> action) {
    std::vector<float> v(net.input_stride());
    net.encode(obs, v.data());
    for (int l = 0; l < net.num_layers(); ++l) {
      const LayerParams& p = net.layer(l).params;
      std::vector<float> out(padded(p.width), 0.0f);
      for (int n = 0; n < p.width; ++n) {
        double z = p.b[n];
        for (int i = 0; i < p.fan_in; ++i) z += static_cast<double>(p.K[n * p.stride + i]) * v[i];
        out[n] = static_cast<float>(std::tanh(z));
      }
      v = std::move(out);
    }
    net.decode(v.data(), action);
  };
  auto env = make_env("pendulum");
  const double by_hand = rollout(*env, 42, greedy);
  EXPECT_NEAR(a.mean_return, by_hand, 1e-3 * std::fabs(by_hand));
  // The noisy policy of the same network scores differently (so the check can fail).
  Pcg32 rng(7);
  const double noisy = rollout(*env, 42, [&](std::span<const double> obs, std::span<double> action) {
    greedy(obs, action);
    for (double& x : action) x = std::clamp(x + 1.0 * rng.normal(), -2.0, 2.0);
  });
  EXPECT_GT(std::fabs(noisy - by_hand), 1e-2 * std::fabs(by_hand));
}

TEST(Trainer, StopRequestEndsTrainingEarly) {
  Trainer t(chain_config(2, 100000));
  t.train([&](const TrainProgress& p) {
    if (p.step >= 500) t.request_stop();
  }, 100);
  EXPECT_EQ(t.steps_done(), 500);
}

// Lockstep environments take turns: env e acts at steps e, e + E, ... so after
// 4000 steps each of 4 environments has made exactly 1000 (finished episodes plus
// the one in progress), and each was seeded with seed + e.
TEST(Trainer, SeveralEnvironmentsTakeTurns) {
  TrainConfig c = chain_config(3, 4000);
  c.envs = 4;
  Trainer t(c);
  std::vector<std::int64_t> steps(4, 0);
  std::vector<std::int64_t> at_step;
  t.set_episode_callback([&](const EpisodeRecord& e) {
    steps.at(e.env_index) += e.length;
    at_step.push_back(e.step);
  });
  t.train();
  EXPECT_EQ(t.steps_done(), 4000);
  ASSERT_GT(at_step.size(), 4u);
  for (int e = 0; e < 4; ++e)
    EXPECT_EQ(steps[e] + slots(t)[e].episode_length, 1000) << "environment " << e;
  EXPECT_TRUE(std::is_sorted(at_step.begin(), at_step.end()));
}

// obs-norm running: (obs - mean) / std of every observation observed, clipped to
// +-obs_clip; evaluation reads the statistics and never changes them.
TEST(ObsNorm, RunningEncodesByTheStatisticsOfWhatWasObserved) {
  TrainConfig c = chain_config(1);
  c.obs_norm = ObsNorm::running;
  c.obs_clip = 5.0;
  const double inf = std::numeric_limits<double>::infinity();
  Network net(c, 2, Box{{-inf, -inf}, {inf, inf}}, Box{{-1.0}, {1.0}});
  for (const std::vector<double>& o : {std::vector<double>{1.0, 10.0}, {3.0, 30.0}})
    net.observe(o);
  EXPECT_EQ(net.obs_stats().count, 2);
  std::vector<float> frame(static_cast<std::size_t>(net.input_stride()), 1.0f);
  net.encode(std::vector<double>{4.0, 0.0}, frame.data());  // mean (2, 20), std (1, 10)
  EXPECT_NEAR(frame[0], 2.0f, 1e-6);
  EXPECT_NEAR(frame[1], -2.0f, 1e-6);
  net.encode(std::vector<double>{100.0, -1e9}, frame.data());
  EXPECT_EQ(frame[0], 5.0f);
  EXPECT_EQ(frame[1], -5.0f);
  for (std::size_t i = 2; i < frame.size(); ++i) EXPECT_EQ(frame[i], 0.0f) << "padding";
  // Bounds encoding needs finite bounds and says what to use instead.
  c.obs_norm = ObsNorm::bounds;
  try {
    Network bad(c, 2, Box{{-inf, -inf}, {inf, inf}}, Box{{-1.0}, {1.0}});
    ADD_FAILURE() << "infinite bounds were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("obs-norm running"), std::string::npos) << e.what();
  }
  // A trained run's statistics count every observation, and evaluation freezes them.
  c = chain_config(2, 500);
  c.obs_norm = ObsNorm::running;
  Trainer t(c);
  t.train();
  const std::int64_t seen = t.network().obs_stats().count;
  EXPECT_EQ(seen, t.steps_done() + t.episodes_done() + 1) << "each step, and each reset";
  const std::string before = digest(t);
  t.evaluate(3, 8);
  EXPECT_EQ(t.network().obs_stats().count, seen);
  EXPECT_EQ(digest(t), before);
}

TEST(Checkpoint, RoundTripKeepsTheDigestAndPolicy) {
  TrainConfig c = chain_config(6, 2500);
  c.rule = Rule::compatible;
  Trainer t(c);
  t.train();
  const std::string path = tmp_path("rt.ckpt");
  save_checkpoint(t, path);
  auto loaded = load_checkpoint(path);
  EXPECT_EQ(digest(loaded->network()), digest(t.network()));
  EXPECT_EQ(loaded->steps_done(), t.steps_done());
  EXPECT_EQ(loaded->evaluate(3, 8).mean_return, t.evaluate(3, 8).mean_return);
  std::filesystem::remove(path);
}

TEST(Checkpoint, ResumedRunEqualsUninterruptedRun) {
  const std::string path = tmp_path("resume.ckpt");
  for (const char* env :
       {"chain", "mountaincar", "mountaincar-perturb", "pendulum-dfa", "pendulum-running"}) {
    TrainConfig c = chain_config(2, 4000);
    c.env = std::string(env).substr(0, std::string(env).find('-'));
    // also saves the running observation statistics
    if (std::string(env).ends_with("running")) c.obs_norm = ObsNorm::running;
    if (std::string(env).ends_with("perturb") || std::string(env).ends_with("dfa")) {
      // also saves eligibility traces (perturb) and the environment critic (with its
      // action-gradient head for dfa)
      c.rule = std::string(env).ends_with("dfa") ? Rule::dfa : Rule::perturb;
      c.noise_scale = {0.2, 1.0};
      c.critic_features = 64;
    }
    c.envs = 2;
    Trainer full(c);
    full.train();
    c.steps = 1500;
    Trainer part(c);
    part.train();
    save_checkpoint(part, path);
    auto resumed = load_checkpoint(path);
    tweak(*resumed, [&](TrainConfig& c) { c.steps = 4000; });
    resumed->train();
    EXPECT_EQ(digest(*resumed), digest(full)) << env;
  }
  std::filesystem::remove(path);
}

TEST(Checkpoint, EveryFlippedByteIsDetected) {
  Trainer t(chain_config(1, 300));
  t.train();
  const std::string path = tmp_path("flip.ckpt");
  save_checkpoint(t, path);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  const std::string bad = tmp_path("flip_bad.ckpt");
  for (std::size_t i = 0; i < bytes.size(); i += std::max<std::size_t>(1, bytes.size() / 97)) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x5a);
    std::ofstream(bad, std::ios::binary) << copy;
    try {
      load_checkpoint(bad);
      ADD_FAILURE() << "byte " << i << " flipped and not detected";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
    }
  }
  for (std::size_t len : {std::size_t{0}, std::size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(bad, std::ios::binary) << bytes.substr(0, len);
    EXPECT_THROW(load_checkpoint(bad), std::runtime_error) << "truncated to " << len;
  }
  std::filesystem::remove(path);
  std::filesystem::remove(bad);
}

TEST(Checkpoint, MissingFileIsAnError) {
  EXPECT_THROW(load_checkpoint("/nonexistent/x.ckpt"), std::runtime_error);
}

TEST(Trainer, CustomEnvironmentThroughTheFactory) {
  TrainConfig c = chain_config(1, 500);
  c.env = "my-chain";
  Trainer t(c, [] { return make_env("chain"); });
  t.train();
  EXPECT_EQ(t.steps_done(), 500);
}

}  // namespace
}  // namespace coagent
