// src/envs/mountain_car.cpp — Gymnasium's MountainCarContinuous-v0, step for step.
//
// Follows gymnasium/envs/classic_control/continuous_mountain_car.py:
//   force = min(max(action[0], -1), 1)
//   velocity += force * 0.0015 - 0.0025 * cos(3 * position); clip to [-0.07, 0.07]
//   position += velocity; clip to [-1.2, 0.6]
//   if position == -1.2 and velocity < 0: velocity = 0
//   terminated = position >= 0.45 and velocity >= 0      (tested in double)
//   reward = (100 if terminated else 0) - 0.1 * action[0]**2   <- the UNCLIPPED action
//   self.state = np.array([position, velocity], dtype=np.float32)
// Details users check:
//   * the arithmetic is done in double (Python floats), but the state is stored as
//     float32 after every step, so each step starts from float32-rounded values;
//   * `terminated` is computed before that rounding;
//   * reset draws position ~ U[-0.6, -0.4] and keeps it as float64 until the first
//     step (Gymnasium builds the reset state with np.array(..) without a dtype), but the
//     observation it returns is float32 (np.array(self.state, dtype=np.float32));
//   * the reward charges the action as given, not the clipped force;
//   * TimeLimit truncates after 999 steps.
#include <algorithm>
#include <cmath>

#include "env_base.hpp"
#include "envs.hpp"

namespace coagent::envs {
namespace {

class MountainCar final : public EnvBase {
 public:
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;
  static constexpr double kGoalPosition = 0.45;
  static constexpr double kGoalVelocity = 0.0;
  static constexpr double kPower = 0.0015;

  std::string_view name() const override { return "mountaincar"; }
  int observation_size() const override { return 2; }
  int action_size() const override { return 1; }
  Box observation_bounds() const override {
    return {{kMinPosition, -kMaxSpeed}, {kMaxPosition, kMaxSpeed}};
  }
  Box action_bounds() const override { return {{-1.0}, {1.0}}; }
  std::int64_t max_episode_steps() const override { return 999; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override {
    check_obs(obs);
    begin_episode(seed);
    position_ = rng_.uniform(-0.6, -0.4);
    velocity_ = 0.0;
    observe(obs);
  }

  StepResult step(std::span<const double> action, std::span<double> obs) override {
    check_action(action);
    check_obs(obs);
    const double force = std::min(std::max(action[0], -1.0), 1.0);
    double position = position_;
    double velocity = velocity_;
    velocity += force * kPower - 0.0025 * std::cos(3 * position);
    if (velocity > kMaxSpeed) velocity = kMaxSpeed;
    if (velocity < -kMaxSpeed) velocity = -kMaxSpeed;
    position += velocity;
    if (position > kMaxPosition) position = kMaxPosition;
    if (position < kMinPosition) position = kMinPosition;
    if (position == kMinPosition && velocity < 0) velocity = 0;

    StepResult r;
    r.terminated = position >= kGoalPosition && velocity >= kGoalVelocity;
    r.reward = r.terminated ? 100.0 : 0.0;
    r.reward -= std::pow(action[0], 2) * 0.1;
    // np.array([position, velocity], dtype=np.float32)
    position_ = static_cast<double>(static_cast<float>(position));
    velocity_ = static_cast<double>(static_cast<float>(velocity));
    r.truncated = tick();
    observe(obs);
    return r;
  }

  std::vector<double> state() const override { return {position_, velocity_}; }
  void set_state(std::span<const double> s) override {
    check_state(s, 2);
    // The state is float32 (step rounds it), and float32(-1.2) < -1.2: a car at the wall
    // holds a state just outside the double bounds, which must load.
    auto f32 = [](double x) { return static_cast<double>(static_cast<float>(x)); };
    if (s[0] < std::min(kMinPosition, f32(kMinPosition)) || s[0] > std::max(kMaxPosition, f32(kMaxPosition)))
      throw std::invalid_argument("mountaincar: position " + std::to_string(s[0]) +
                                  " outside [-1.2, 0.6]");
    if (s[1] < std::min(-kMaxSpeed, f32(-kMaxSpeed)) || s[1] > std::max(kMaxSpeed, f32(kMaxSpeed)))
      throw std::invalid_argument("mountaincar: velocity " + std::to_string(s[1]) +
                                  " outside [-0.07, 0.07]");
    position_ = s[0];
    velocity_ = s[1];
    elapsed_ = 0;
  }
  std::vector<std::string> state_names() const override { return {"position", "velocity"}; }
  Box state_bounds() const override { return observation_bounds(); }
  std::optional<double> goal_position() const override { return kGoalPosition; }
  std::vector<double> observation_of_state(std::span<const double> s) const override {
    check_state(s, 2);
    // volatile: GCC 12.2 at -O2 drops the (float) rounding inside a braced list
    // (the same workaround as pendulum.cpp's).
    const volatile float p = static_cast<float>(s[0]);
    const volatile float v = static_cast<float>(s[1]);
    return {p, v};
  }

  bool episode_success(const EpisodeStats& e) const override { return e.terminated; }
  bool solved(double mean_return, double) const override { return mean_return >= 90.0; }
  std::string solved_criterion() const override { return "mean return >= 90"; }

 private:
  // The observation is always float32, as Gymnasium returns it (after a step the
  // state already is; after reset the position is still float64).
  void observe(std::span<double> obs) const {
    obs[0] = static_cast<float>(position_);
    obs[1] = static_cast<float>(velocity_);
  }
  double position_ = -0.5;
  double velocity_ = 0.0;
};

}  // namespace

std::unique_ptr<Env> make_mountain_car() { return std::make_unique<MountainCar>(); }

}  // namespace coagent::envs
