// An application embedding coagent: its own environment, an async run driven by the
// library's session loop (progress callback, a checkpoint every 20k steps), a reload
// of that checkpoint, then a greedy evaluation. Built against an installed coagent
// with find_package(coagent) (see CMakeLists.txt beside this file).
#include <coagent/checkpoint.hpp>
#include <coagent/session.hpp>
#include <coagent/trainer.hpp>

#include <cstdio>
#include <memory>

// Steer a value x toward a target of 0.5: x' = 0.8 x + 0.2 u, reward -(x' - 0.5)^2.
class Thermostat final : public coagent::Env {
 public:
  std::string_view name() const override { return "thermostat"; }
  int observation_size() const override { return 1; }
  int action_size() const override { return 1; }
  coagent::Box observation_bounds() const override { return {{-1.0}, {1.0}}; }
  coagent::Box action_bounds() const override { return {{-1.0}, {1.0}}; }
  std::int64_t max_episode_steps() const override { return 50; }
  void reset(std::optional<std::uint64_t>, std::span<double> obs) override {
    x_ = -0.5, t_ = 0, obs[0] = x_;
  }
  coagent::StepResult step(std::span<const double> u, std::span<double> obs) override {
    x_ = 0.8 * x_ + 0.2 * u[0], obs[0] = x_;
    return {.reward = -(x_ - 0.5) * (x_ - 0.5), .truncated = ++t_ == 50};
  }
  // Holding u = 0 scores about -12; steering to 0.5 quickly scores about -1.
  bool solved(double mean_return, double) const override { return mean_return > -2.0; }

 private:
  double x_ = 0.0;
  int t_ = 0;
};

int main() {
  coagent::TrainConfig cfg;
  cfg.env = "thermostat", cfg.hidden = {8}, cfg.steps = 60000, cfg.seed = 1;
  cfg.rule = coagent::Rule::compatible, cfg.noise_scale = {0.0, 0.3}, cfg.gamma = 0.9;
  // Neurons run as tasks on 2 threads. With one environment an async run is
  // bit-identical to a lockstep one, so the result does not depend on thread timing.
  cfg.mode = coagent::Mode::async, cfg.threads = 2, cfg.envs = 1;
  coagent::Trainer trainer(cfg, [] { return std::make_unique<Thermostat>(); });
  const coagent::EvalResult before = trainer.evaluate(10, 1);
  std::printf("untrained greedy return %.3f: %s\n", before.mean_return,
              before.solved ? "solved" : "not solved");
  // The callback runs on this thread; it could also call trainer.request_stop().
  coagent::SessionOptions session;
  session.save_path = "thermostat.ckpt";
  session.checkpoint_every = 20000;
  session.hooks.progress = [](const coagent::TrainProgress& p) {
    std::printf("step %lld, recent return %.3f\n", static_cast<long long>(p.step), p.recent_return);
  };
  coagent::run_session(trainer, session);
  // Any Learner comes back from its checkpoint, here with the application's factory.
  const auto loaded = coagent::load_learner("thermostat.ckpt", [] { return std::make_unique<Thermostat>(); });
  const coagent::EvalResult r = loaded->evaluate(10, 1);
  std::printf("greedy return %.3f after %lld steps (digest %s): %s\n", r.mean_return,
              static_cast<long long>(loaded->steps_done()), loaded->digest() == trainer.digest() ? "kept" : "CHANGED",
              r.solved ? "solved" : "not solved");
  return r.solved && !before.solved && loaded->digest() == trainer.digest() ? 0 : 1;
}
