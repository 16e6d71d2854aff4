// Settings: validation messages name the value, and config text round-trips.
#include <gtest/gtest.h>

#include <functional>

#include "coagent/config.hpp"

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
  c.noise_scale = {0.1, 0.2};
  EXPECT_NE(error_of([&] { c.validate(); }).find("noise-scale"), std::string::npos);
  c.noise_scale = {0.1, 0.2, 0.3};
  const auto specs = c.layer_specs(1);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[2].noise_scale, 0.3);
  EXPECT_EQ(specs[2].width, 1);
  c.noise_scale = {};
  EXPECT_EQ(c.layer_specs(1)[0].noise_scale, kHiddenNoiseDefault);
  EXPECT_EQ(c.layer_specs(1)[2].noise_scale, kOutputNoiseDefault);
}

TEST(Config, TextRoundTrips) {
  TrainConfig c;
  c.env = "mountaincar";
  c.rule = Rule::compatible;
  c.hidden = {32, 16};
  c.noise = {NoiseKind::gaussian, NoiseKind::gaussian, NoiseKind::ou};
  c.noise_scale = {0.0, 0.0, 1.0};
  c.alpha_actor = 1.25e-4;
  c.freeze_hidden = true;
  c.seed = 12345678901ULL;
  const TrainConfig d = parse_config_text(config_to_text(c));
  EXPECT_EQ(config_to_text(d), config_to_text(c));
  EXPECT_EQ(d.alpha_actor, c.alpha_actor);
  EXPECT_EQ(d.seed, c.seed);
}

TEST(Config, NoHiddenLayerIsAllowed) {
  TrainConfig c;
  set_config_entry(c, "hidden", "");
  EXPECT_TRUE(c.hidden.empty());
  EXPECT_EQ(c.layer_specs(2).size(), 1u);
}

}  // namespace
}  // namespace coagent
