// src/envs/synthetic.cpp — `synthetic`: a benchmark environment whose dynamics cost
// almost nothing, so that the network dominates a training step (issue: bench).
//
// 64-dimensional state s, 16-dimensional action a in [-1, 1]^16.
// s' = 0.9 s + 0.1 B a, where B routes action j to state components 4j..4j+3;
// reward = -|s'|^2 / 64; no termination; truncated after 200 steps.
// reset: s ~ U[-1, 1]^64 from the environment's own stream.
#include <algorithm>
#include <array>
#include <cmath>

#include "env_base.hpp"
#include "envs.hpp"

namespace coagent::envs {
namespace {

class Synthetic final : public EnvBase {
 public:
  static constexpr int kObs = 64;
  static constexpr int kAct = 16;

  std::string_view name() const override { return "synthetic"; }
  int observation_size() const override { return kObs; }
  int action_size() const override { return kAct; }
  Box observation_bounds() const override {
    return {std::vector<double>(kObs, -1.0), std::vector<double>(kObs, 1.0)};
  }
  Box action_bounds() const override {
    return {std::vector<double>(kAct, -1.0), std::vector<double>(kAct, 1.0)};
  }
  std::int64_t max_episode_steps() const override { return 200; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override {
    check_obs(obs);
    begin_episode(seed);
    for (double& x : s_) x = rng_.uniform(-1.0, 1.0);
    std::copy(s_.begin(), s_.end(), obs.begin());
  }

  StepResult step(std::span<const double> action, std::span<double> obs) override {
    check_action(action);
    check_obs(obs);
    double norm = 0.0;
    for (int i = 0; i < kObs; ++i) {
      s_[i] = 0.9 * s_[i] + 0.1 * std::clamp(action[i / 4], -1.0, 1.0);
      norm += s_[i] * s_[i];
    }
    std::copy(s_.begin(), s_.end(), obs.begin());
    StepResult r;
    r.reward = -norm / kObs;
    r.truncated = tick();
    return r;
  }

  std::vector<double> state() const override { return {s_.begin(), s_.end()}; }
  void set_state(std::span<const double> s) override {
    check_state(s, kObs);
    std::copy(s.begin(), s.end(), s_.begin());
    elapsed_ = 0;
  }
  std::vector<std::string> state_names() const override {
    std::vector<std::string> n;
    for (int i = 0; i < kObs; ++i) n.push_back("s" + std::to_string(i));
    return n;
  }
  Box state_bounds() const override { return observation_bounds(); }
  std::vector<double> observation_of_state(std::span<const double> s) const override {
    check_state(s, kObs);
    return {s.begin(), s.end()};
  }
  bool episode_success(const EpisodeStats& e) const override { return e.episode_return > -20.0; }
  bool solved(double mean_return, double) const override { return mean_return > -20.0; }
  std::string solved_criterion() const override { return "mean return > -20 (benchmark only)"; }

 private:
  std::array<double, kObs> s_{};
};

}  // namespace

std::unique_ptr<Env> make_synthetic() { return std::make_unique<Synthetic>(); }

}  // namespace coagent::envs
