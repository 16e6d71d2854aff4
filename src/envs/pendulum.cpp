// src/envs/pendulum.cpp — Gymnasium's Pendulum-v1, step for step.
//
// Follows gymnasium/envs/classic_control/pendulum.py:
//   u = clip(u, -2, 2)[0]
//   costs = angle_normalize(th)**2 + 0.1 * thdot**2 + 0.001 * u**2   <- state BEFORE the step
//   newthdot = thdot + (3 * g / (2 * l) * sin(th) + 3.0 / (m * l**2) * u) * dt
//   newthdot = clip(newthdot, -8, 8)
//   newth = th + newthdot * dt          (th is never wrapped)
//   obs = [cos th, sin th, thdot]; reward = -costs
// with g = 10, m = l = 1, dt = 0.05, and angle_normalize(x) = ((x + pi) % (2 pi)) - pi
// using Python's floor modulo (result has the sign of the divisor; C's fmod is not
// the same below -pi). The state is float64 throughout. TimeLimit: 200 steps.
// reset: th ~ U[-pi, pi], thdot ~ U[-1, 1].
#include <algorithm>
#include <cmath>
#include <numbers>

#include "env_base.hpp"
#include "envs.hpp"

namespace coagent::envs {

double python_fmod(double a, double b) noexcept {
  // CPython's float_rem / NumPy's npy_divmod: fmod, then move into the divisor's sign.
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double angle_normalize(double x) noexcept {
  return python_fmod(x + std::numbers::pi, 2 * std::numbers::pi) - std::numbers::pi;
}

namespace {

class Pendulum final : public EnvBase {
 public:
  static constexpr double kMaxSpeed = 8.0;
  static constexpr double kMaxTorque = 2.0;
  static constexpr double kDt = 0.05;
  static constexpr double kG = 10.0;
  static constexpr double kM = 1.0;
  static constexpr double kL = 1.0;

  std::string_view name() const override { return "pendulum"; }
  int observation_size() const override { return 3; }
  int action_size() const override { return 1; }
  Box observation_bounds() const override {
    return {{-1.0, -1.0, -kMaxSpeed}, {1.0, 1.0, kMaxSpeed}};
  }
  Box action_bounds() const override { return {{-kMaxTorque}, {kMaxTorque}}; }
  std::int64_t max_episode_steps() const override { return 200; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override {
    check_obs(obs);
    begin_episode(seed);
    th_ = rng_.uniform(-std::numbers::pi, std::numbers::pi);
    thdot_ = rng_.uniform(-1.0, 1.0);
    observe(obs);
  }

  StepResult step(std::span<const double> action, std::span<double> obs) override {
    check_action(action);
    check_obs(obs);
    const double u = std::clamp(action[0], -kMaxTorque, kMaxTorque);
    const double th = th_;
    const double thdot = thdot_;
    const double an = angle_normalize(th);
    const double costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    double newthdot =
        thdot + (3 * kG / (2 * kL) * std::sin(th) + 3.0 / (kM * kL * kL) * u) * kDt;
    newthdot = std::clamp(newthdot, -kMaxSpeed, kMaxSpeed);
    const double newth = th + newthdot * kDt;
    th_ = newth;
    thdot_ = newthdot;
    StepResult r;
    r.reward = -costs;
    r.truncated = tick();
    observe(obs);
    return r;
  }

  std::vector<double> state() const override { return {th_, thdot_}; }
  void set_state(std::span<const double> s) override {
    check_state(s, 2);
    th_ = s[0];
    thdot_ = s[1];
    elapsed_ = 0;
  }
  std::vector<std::string> state_names() const override { return {"theta", "thetadot"}; }
  Box state_bounds() const override {
    return {{-std::numbers::pi, -kMaxSpeed}, {std::numbers::pi, kMaxSpeed}};
  }
  std::vector<double> observation_of_state(std::span<const double> s) const override {
    check_state(s, 2);
    // As observe(), float32. The volatile floats are needed: GCC 12.2 at -O2 drops the
    // (float) rounding of cos(x) and sin(x) when it merges the two into one sincos call
    // (it does here, and did when observe() took the angle as an argument).
    const volatile float c = static_cast<float>(std::cos(s[0]));
    const volatile float sn = static_cast<float>(std::sin(s[0]));
    return {c, sn, static_cast<float>(s[1])};
  }

  bool episode_success(const EpisodeStats& e) const override {
    return e.episode_return >= -200.0;
  }
  bool solved(double mean_return, double) const override { return mean_return >= -200.0; }
  std::string solved_criterion() const override { return "mean return >= -200"; }

 private:
  void observe(std::span<double> obs) const {
    // Gymnasium returns float32 observations.
    obs[0] = static_cast<float>(std::cos(th_));
    obs[1] = static_cast<float>(std::sin(th_));
    obs[2] = static_cast<float>(thdot_);
  }
  double th_ = 0.0;
  double thdot_ = 0.0;
};

}  // namespace

std::unique_ptr<Env> make_pendulum() { return std::make_unique<Pendulum>(); }

}  // namespace coagent::envs
