// Settings: validation messages name the value, and config text round-trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coagent/config.hpp"
#include "coagent/placement.hpp"

namespace coagent {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreValid) { EXPECT_NO_THROW(TrainConfig{}.validate()); }

TEST(Config, BadValuesAreNamed) {
  TrainConfig c;
  EXPECT_NE(error_of([&] { set_config_entry(c, "hidden", "0"); }).find("'0'"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "hidden", "8,x"); }).find("hidden"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "gamma", "abc"); }).find("'abc'"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "gamma", "nan"); }).find("gamma"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "rule", "hebb"); }).find("'hebb'"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "steps", "-5"); }).find("steps"), std::string::npos);
  EXPECT_NE(error_of([&] { set_config_entry(c, "colour", "1"); }).find("'colour'"), std::string::npos);
  c.gamma = 1.5;
  EXPECT_NE(error_of([&] { c.validate(); }).find("gamma"), std::string::npos);
}

TEST(Config, PerLayerListsMustMatchTheLayerCount) {
  TrainConfig c;
  c.hidden = {4, 4};
  c.noise_scale = {0.1, 0.2, 0.3, 0.4};
  EXPECT_NE(error_of([&] { c.validate(); }).find("noise-scale"), std::string::npos);
  c.noise_scale = {0.1, 0.2};  // hidden,output
  EXPECT_EQ(c.layer_specs(1)[1].noise_scale, 0.1);
  EXPECT_EQ(c.layer_specs(1)[2].noise_scale, 0.2);
  c.noise_scale = {0.1, 0.2, 0.3};
  const auto specs = c.layer_specs(1);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[2].noise_scale, 0.3);
  EXPECT_EQ(specs[2].width, 1);
  c.noise_scale = {};
  EXPECT_EQ(c.layer_specs(1)[0].noise_scale, kHiddenNoiseDefault);
  EXPECT_EQ(c.layer_specs(1)[2].noise_scale, kOutputNoiseDefault);
}

// Every setting takes a value other than its default, and comes back from the text
// equal field by field (comparing the printed texts alone would not notice a
// setting that is never printed).
TEST(Config, TextRoundTrips) {
  TrainConfig c;
  c.algo = Algo::ddpg;
  c.env = "mountaincar";
  c.rule = Rule::compatible;
  c.actor_step = ActorStep::plain;
  c.hidden = {32, 16};
  c.steps = 123457;
  c.seed = 12345678901ULL;
  c.gamma = 0.1 + 0.2;  // 0.30000000000000004: printing must be exact
  c.alpha_actor = 1.25e-4;
  c.alpha_critic = 0.0123;
  c.alpha_value = 0.0456;
  c.reward_scale = 0.01;
  c.alpha_hidden = 3e-5;
  c.max_weight_norm = 2.5;
  c.trace_lambda = 0.55;
  c.critic_features = 77;
  c.critic_bandwidth = 0.45;
  c.alpha_env_critic = 0.07;
  c.critic_lambda = 0.35;
  c.noise = {NoiseKind::gaussian, NoiseKind::gaussian, NoiseKind::ou};
  c.noise_scale = {0.0, 0.25, 1.0};
  c.explore_fraction = {0.5, 0.75, 1.0};
  c.init_scale = {1.5, 0.5, 2.0};
  c.ou_theta = 0.2;
  c.ou_dt = 0.0123456789;
  c.explore_schedule = ExploreSchedule::episode;
  c.output_episodes = 0.3;
  c.freeze_hidden = true;
  c.obs_norm = ObsNorm::running;
  c.obs_clip = 3.5;
  c.envs = 3;
  c.eval_episodes = 17;
  c.mode = Mode::lockstep;
  c.threads = 5;
  c.shard_size = 9;
  ASSERT_NO_THROW(c.validate());
  const TrainConfig d = parse_config_text(config_to_text(c));
  EXPECT_EQ(config_to_text(d), config_to_text(c));
  EXPECT_EQ(d.algo, c.algo);
  EXPECT_EQ(d.env, c.env);
  EXPECT_EQ(d.rule, c.rule);
  EXPECT_EQ(d.actor_step, c.actor_step);
  EXPECT_EQ(d.hidden, c.hidden);
  EXPECT_EQ(d.steps, c.steps);
  EXPECT_EQ(d.seed, c.seed);
  EXPECT_EQ(d.gamma, c.gamma);
  EXPECT_EQ(d.alpha_actor, c.alpha_actor);
  EXPECT_EQ(d.alpha_critic, c.alpha_critic);
  EXPECT_EQ(d.alpha_value, c.alpha_value);
  EXPECT_EQ(d.reward_scale, c.reward_scale);
  EXPECT_EQ(d.alpha_hidden, c.alpha_hidden);
  EXPECT_EQ(d.max_weight_norm, c.max_weight_norm);
  EXPECT_EQ(d.trace_lambda, c.trace_lambda);
  EXPECT_EQ(d.critic_features, c.critic_features);
  EXPECT_EQ(d.critic_bandwidth, c.critic_bandwidth);
  EXPECT_EQ(d.alpha_env_critic, c.alpha_env_critic);
  EXPECT_EQ(d.critic_lambda, c.critic_lambda);
  EXPECT_EQ(d.noise, c.noise);
  EXPECT_EQ(d.noise_scale, c.noise_scale);
  EXPECT_EQ(d.explore_fraction, c.explore_fraction);
  EXPECT_EQ(d.init_scale, c.init_scale);
  EXPECT_EQ(d.ou_theta, c.ou_theta);
  EXPECT_EQ(d.ou_dt, c.ou_dt);
  EXPECT_EQ(d.explore_schedule, c.explore_schedule);
  EXPECT_EQ(d.output_episodes, c.output_episodes);
  EXPECT_EQ(d.freeze_hidden, c.freeze_hidden);
  EXPECT_EQ(d.obs_norm, c.obs_norm);
  EXPECT_EQ(d.obs_clip, c.obs_clip);
  EXPECT_EQ(d.envs, c.envs);
  EXPECT_EQ(d.eval_episodes, c.eval_episodes);
  EXPECT_EQ(d.mode, c.mode);
  EXPECT_EQ(d.threads, c.threads);
  EXPECT_EQ(d.shard_size, c.shard_size);
}

TEST(Config, NoHiddenLayerIsAllowed) {
  TrainConfig c;
  set_config_entry(c, "hidden", "");
  EXPECT_TRUE(c.hidden.empty());
  EXPECT_EQ(c.layer_specs(2).size(), 1u);
}

// explore-fraction, init-scale, noise and noise-scale: one value (every layer), two
// (hidden layers, output layer) or exactly one per layer; any other count is refused
// by validate() (and so by layer_specs() and the text reader), naming the key and the
// counts.
TEST(Config, PerLayerListLengthsAreValidated) {
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{4, 4}}) {
    const int layers = static_cast<int>(hidden.size()) + 1;
    for (const char* key : {"explore-fraction", "init-scale", "noise", "noise-scale"}) {
      const std::string k = key;
      SCOPED_TRACE(k + " with " + std::to_string(layers) + " layers");
      for (int count = 1; count <= 5; ++count) {
        TrainConfig c;
        c.hidden = hidden;
        std::string text;
        for (int i = 0; i < count; ++i) {
          if (i) text += ',';
          text += k == "noise" ? (i % 2 ? "ou" : "gaussian") : std::to_string(0.25 * (i + 1));
        }
        set_config_entry(c, k, text);  // the reader takes any length; validate() decides
        if (count == 1 || count == 2 || count == layers) {
          EXPECT_NO_THROW(c.validate()) << count;
          const auto specs = c.layer_specs(1);
          ASSERT_EQ(static_cast<int>(specs.size()), layers);
          for (int l = 0; l < layers; ++l) {
            // hidden layers first, the output last; two values: hidden, output
            const int i = count == 1 ? 0 : count == 2 && layers != 2 ? (l + 1 == layers) : l;
            const double want = 0.25 * (i + 1);
            if (k == "explore-fraction") {
              EXPECT_EQ(specs[l].explore_fraction, want);
            } else if (k == "init-scale") {
              EXPECT_EQ(specs[l].init_scale, want);
            } else if (k == "noise-scale") {
              EXPECT_EQ(specs[l].noise_scale, want);
            } else {
              EXPECT_EQ(specs[l].noise, i % 2 ? NoiseKind::ou : NoiseKind::gaussian);
            }
          }
          continue;
        }
        const std::string e = error_of([&] { c.validate(); });
        EXPECT_NE(e.find(k + ": " + std::to_string(count) + " values given"), std::string::npos)
            << "count " << count << ": '" << e << "'";
        EXPECT_NE(e.find("expected 1 (every layer)"), std::string::npos) << e;
        EXPECT_NE(e.find(layers == 1 ? std::string("or 2 (hidden layers, output layer)")
                                     : "or " + std::to_string(layers) + " (one per layer"),
                  std::string::npos)
            << e;
        EXPECT_EQ(error_of([&] { c.layer_specs(1); }), e);
        EXPECT_NE(error_of([&] { parse_config_text(k + " = \"" + text + "\"\n" +
                                                   "hidden = \"" + (layers == 1 ? "" : "4,4") +
                                                   "\"\n"); })
                      .find(k + ": "),
                  std::string::npos);
      }
    }
  }
}

// --- the exploration schedule ------------------------------------------------------

TrainConfig episode_schedule(double output_episodes, std::uint64_t seed) {
  TrainConfig c;
  c.hidden = {4, 4, 4};  // four layers: output bit 8, hidden bits 7
  c.explore_schedule = ExploreSchedule::episode;
  c.output_episodes = output_episodes;
  c.seed = seed;
  return c;
}
constexpr std::uint32_t kOutputBit = 8u, kHiddenBits = 7u;

// |count - n p| within 4 standard deviations of a sum with variance `var`.
void expect_count_near(double count, double n, double p, double var, const std::string& what) {
  EXPECT_LE(std::abs(count - n * p), 4.0 * std::sqrt(var) + 1e-9)
      << what << ": " << count << " of " << n << ", expected about " << n * p;
}

TEST(Config, ExploreScheduleAllExploresEveryLayer) {
  for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{3},
                                         std::vector<int>{3, 3, 3, 3}}) {
    TrainConfig c;
    c.hidden = hidden;
    const std::uint32_t all = (1u << (hidden.size() + 1)) - 1u;
    for (int env = 0; env < 3; ++env)
      for (std::int64_t ep : {0, 1, 2, 1000, 123456789}) EXPECT_EQ(c.explore_mask(env, ep), all);
  }
  TrainConfig one;  // no hidden layer: the output layer explores under `episode` too
  one.hidden = {};
  one.explore_schedule = ExploreSchedule::episode;
  one.output_episodes = 0.0;
  EXPECT_EQ(one.explore_mask(0, 5), 1u);
}

TEST(Config, ExploreScheduleEpisodeIsAPureFunctionWithTheRightRate) {
  const int n = 20000;
  for (double q : {0.0, 1.0, 0.3, 0.7}) {
    SCOPED_TRACE("output-episodes " + std::to_string(q));
    const TrainConfig c = episode_schedule(q, 17);
    const TrainConfig copy = c;
    for (int env : {0, 3}) {
      std::vector<bool> out(n);
      for (int ep = n - 1; ep >= 0; --ep) {  // backwards: no hidden sequence state
        const std::uint32_t m = c.explore_mask(env, ep);
        ASSERT_TRUE(m == kOutputBit || m == kHiddenBits) << "episode " << ep << ": mask " << m;
        out[ep] = m == kOutputBit;
        ASSERT_EQ(copy.explore_mask(env, ep), m);
        ASSERT_EQ(c.explore_mask(env, ep), m);
      }
      double outputs = 0, agree_next = 0;
      for (int ep = 0; ep < n; ++ep) {
        outputs += out[ep];
        if (ep + 1 < n) agree_next += out[ep] == out[ep + 1];
      }
      if (q == 0.0) {
        EXPECT_EQ(outputs, 0);
      } else if (q == 1.0) {
        EXPECT_EQ(outputs, n);
      }
      expect_count_near(outputs, n, q, n * q * (1 - q), "output episodes");
      // Consecutive episodes agree as often as independent draws would: p = q^2 +
      // (1-q)^2; the agreement indicators of overlapping pairs are correlated
      // (covariance q^3 + (1-q)^3 - p^2), which the variance accounts for.
      const double p = q * q + (1 - q) * (1 - q);
      const double cov = q * q * q + (1 - q) * (1 - q) * (1 - q) - p * p;
      expect_count_near(agree_next, n - 1, p, (n - 1) * (p * (1 - p) + 2 * cov),
                        "consecutive episodes agreeing");
    }
  }
}

TEST(Config, ExploreScheduleDependsOnSeedAndEnvironment) {
  const int n = 20000;
  const double q = 0.7, p = q * q + (1 - q) * (1 - q);
  const TrainConfig a = episode_schedule(q, 17), b = episode_schedule(q, 18);
  // Two different streams agree on an episode with probability p, independently.
  double seed_agree = 0, env_agree = 0;
  for (int ep = 0; ep < n; ++ep) {
    seed_agree += a.explore_mask(0, ep) == b.explore_mask(0, ep);
    env_agree += a.explore_mask(0, ep) == a.explore_mask(1, ep);
  }
  expect_count_near(seed_agree, n, p, n * p * (1 - p), "seeds 17 and 18 agreeing");
  expect_count_near(env_agree, n, p, n * p * (1 - p), "envs 0 and 1 agreeing");
}

}  // namespace
// --mode auto: lockstep for layers under kAutoShardWeights weights, async otherwise,
// whatever the number of environments; explicit modes are kept.
TEST(Config, AutoModeResolvesFromEnvsAndLayerSizes) {
  TrainConfig c;
  EXPECT_EQ(c.mode, Mode::automatic);
  EXPECT_EQ(parse_mode("auto"), Mode::automatic);
  EXPECT_EQ(to_string(Mode::automatic), "auto");
  const std::vector<int> small = {2, 32, 32, 1}, wide = {64, 1024, 1024, 16}, edge = {2, 256, 256, 1};
  EXPECT_EQ(resolved_mode(c, small), Mode::lockstep);
  EXPECT_EQ(resolved_mode(c, wide), Mode::async);
  EXPECT_EQ(resolved_mode(c, edge), Mode::async);  // 256 x 256 = kAutoShardWeights
  c.envs = 16;
  EXPECT_EQ(resolved_mode(c, small), Mode::lockstep);
  EXPECT_EQ(resolved_mode(c, edge), Mode::async);
  c.mode = Mode::lockstep;
  EXPECT_EQ(resolved_mode(c, wide), Mode::lockstep);
  c.mode = Mode::async, c.envs = 1;
  EXPECT_EQ(resolved_mode(c, small), Mode::async);
  c.mode = parse_config_text("mode = \"auto\"\n").mode;
  EXPECT_EQ(c.mode, Mode::automatic);
}

// obs-norm is a choice that still reads the flag it was (older configs and checkpoints).
TEST(Config, ObsNormReadsItsChoicesAndTheOldFlag) {
  EXPECT_EQ(parse_config_text("obs-norm = true\n").obs_norm, ObsNorm::bounds);
  EXPECT_EQ(parse_config_text("obs-norm = false\n").obs_norm, ObsNorm::off);
  EXPECT_EQ(parse_config_text("obs-norm = \"running\"\n").obs_norm, ObsNorm::running);
  EXPECT_EQ(TrainConfig{}.obs_norm, ObsNorm::bounds);
  try {
    parse_config_text("obs-norm = \"mean\"\n");
    ADD_FAILURE() << "obs-norm = mean was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("running"), std::string::npos) << e.what();
  }
  TrainConfig c;
  c.obs_norm = ObsNorm::running;
  c.mode = Mode::mpi;
  try {
    c.validate();
    ADD_FAILURE() << "obs-norm running with mode mpi was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("obs-norm"), std::string::npos) << e.what();
  }
}

}  // namespace coagent
