// src/envs/chain.cpp — the paper's 1-D chain (§5.2).
//
// Position p in 0..100 starts at 0. Action a > 0 moves right; a <= 0 moves left
// (p = max(p - 1, 0)) and costs -1, even against the wall. Reaching p = 100 pays
// +100 and terminates; the episode is truncated after 500 steps. Observation p/100.
// Deterministic: the seed has no effect (the stream is kept for uniformity).
#include <algorithm>
#include <cmath>

#include "env_base.hpp"
#include "envs.hpp"

namespace coagent::envs {
namespace {

class Chain final : public EnvBase {
 public:
  static constexpr int kGoal = 100;

  std::string_view name() const override { return "chain"; }
  int observation_size() const override { return 1; }
  int action_size() const override { return 1; }
  Box observation_bounds() const override { return {{0.0}, {1.0}}; }
  Box action_bounds() const override { return {{-1.0}, {1.0}}; }
  std::int64_t max_episode_steps() const override { return 500; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override {
    check_obs(obs);
    begin_episode(seed);
    p_ = 0;
    obs[0] = observe();
  }

  StepResult step(std::span<const double> action, std::span<double> obs) override {
    check_action(action);
    check_obs(obs);
    StepResult r;
    if (action[0] > 0.0) {
      ++p_;
    } else {
      p_ = std::max(p_ - 1, 0);
      r.reward = -1.0;
    }
    if (p_ >= kGoal) {
      r.reward += 100.0;
      r.terminated = true;
    }
    r.truncated = tick();
    obs[0] = observe();
    return r;
  }

  std::vector<double> state() const override { return {static_cast<double>(p_)}; }
  void set_state(std::span<const double> s) override {
    check_state(s, 1);
    if (s[0] < 0 || s[0] > kGoal || s[0] != std::floor(s[0]))
      throw std::invalid_argument("chain: position " + std::to_string(s[0]) +
                                  " is not an integer in [0, 100]");
    p_ = static_cast<int>(s[0]);
    elapsed_ = 0;
  }
  std::vector<std::string> state_names() const override { return {"p"}; }
  Box state_bounds() const override { return {{0.0}, {static_cast<double>(kGoal)}}; }
  std::optional<double> goal_position() const override { return kGoal; }
  std::vector<double> observation_of_state(std::span<const double> s) const override {
    check_state(s, 1);
    return {observe(s[0])};
  }

  bool episode_success(const EpisodeStats& e) const override {
    return e.terminated && e.length == kGoal && e.episode_return == 100.0;
  }
  bool solved(double, double success_rate) const override { return success_rate == 1.0; }
  std::string solved_criterion() const override {
    return "return 100 in 100 steps in every evaluation episode";
  }

 private:
  double observe() const { return observe(p_); }
  static double observe(double p) { return p / 100.0; }
  int p_ = 0;
};

}  // namespace

std::unique_ptr<Env> make_chain() { return std::make_unique<Chain>(); }

}  // namespace coagent::envs
