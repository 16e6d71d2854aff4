// src/envs/mujoco/mujoco_env.hpp — what Gymnasium's MuJoCo tasks share: Gymnasium's
// MujocoEnv (gymnasium/envs/mujoco/mujoco_env.py, 1.4.0) on MuJoCo's C library.
//
//   model         mj_loadXML of the task's XML from Gymnasium's assets folder (the one
//                 found at configure time, or $COAGENT_MUJOCO_ASSETS); init_qpos/init_qvel
//                 are mjData's qpos/qvel as mj_makeData leaves them (qpos0 and zeros)
//   reset         mj_resetData, then the task's reset_model: noise from coagent's own
//                 stream (not NumPy's; set_state is how exactness is checked), set_state
//   set_state     qpos, qvel copied in, then mj_forward (act untouched: na == 0 in these
//                 models); the constraint solver's warm start stays whatever the last
//                 step left, as in Gymnasium
//   do_simulation ctrl = action, mj_step frame_skip times, then mj_rnePostConstraint
//                 (Gymnasium calls it so that cfrc_ext, Ant's contact forces, is filled)
//   dt            model.opt.timestep * frame_skip
//   TimeLimit     the registered max_episode_steps (1000; Reacher 50)
//
// Actions. Gymnasium's action space is float32 (ctrlrange cast to float32) and its tasks
// neither clip nor cast the action: ctrl gets it as given (MuJoCo clamps ctrl to
// ctrlrange itself) and the control cost is computed in the action's dtype. So each
// action component is rounded to float32 first — what Gymnasium computes for an action of
// its own space — and out-of-range values reach MuJoCo and the cost unclipped.
//
// Errors. A MuJoCo warning during a step (mjData.warning counters, e.g. mjWARN_BADQACC:
// the simulation went unstable, and MuJoCo reset its data) or a non-finite qpos/qvel after
// it throws std::runtime_error naming the task, the step and the warning; the environment
// then needs reset() (Gymnasium carries on from MuJoCo's reset state; coagent stops, so
// that no NaN or silently restarted state reaches the network).
//
// Observations are unbounded (Gymnasium's Box(-inf, inf)): the network encodes them by
// running statistics (obs-norm running), not by bounds.
#pragma once

#include <mujoco/mujoco.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "envs/env_base.hpp"
#include "envs/mujoco/numpy_math.hpp"

namespace coagent::envs {

struct MujocoTask {
  std::string_view name;     // Gymnasium's id, e.g. "HalfCheetah-v5"
  const char* xml;           // file in Gymnasium's assets folder
  int frame_skip;
  std::int64_t max_episode_steps;
  std::optional<double> reward_threshold;  // Gymnasium's spec.reward_threshold
};

class MujocoEnv : public EnvBase {
 public:
  explicit MujocoEnv(const MujocoTask& task);
  ~MujocoEnv() override;
  MujocoEnv(const MujocoEnv&) = delete;
  MujocoEnv& operator=(const MujocoEnv&) = delete;

  std::string_view name() const override { return task_.name; }
  int action_size() const override { return model_->nu; }
  Box observation_bounds() const override;
  Box action_bounds() const override;
  std::int64_t max_episode_steps() const override { return task_.max_episode_steps; }

  void reset(std::optional<std::uint64_t> seed, std::span<double> obs) override;
  StepResult step(std::span<const double> action, std::span<double> obs) override;

  // The state is qpos then qvel (nq + nv values); set_state is Gymnasium's.
  std::vector<double> state() const override;
  void set_state(std::span<const double> state) override;
  std::vector<std::string> state_names() const override;
  std::vector<std::pair<std::string, double>> info() const override;
  // Every geom but the floor: capsules and cylinders along their axis, spheres as points,
  // boxes along their longest axis; Reacher and Swimmer from above, the others from the side.
  BodyPicture body_picture() const override;

  bool episode_success(const EpisodeStats& e) const override;
  bool solved(double mean_return, double success_rate) const override;
  std::string solved_criterion() const override;

  int nq() const { return model_->nq; }
  int nv() const { return model_->nv; }
  // Gymnasium's MujocoEnv.set_state(qpos, qvel).
  void set_state(std::span<const double> qpos, std::span<const double> qvel);

 protected:
  // Draws the reset noise and calls set_state (Gymnasium's reset_model).
  virtual void reset_model() = 0;
  // One step of the task after the action is checked and rounded: do_simulation and the
  // rewards; fills info_. The base class adds truncation and the error checks.
  virtual StepResult step_task(std::span<const float> action) = 0;
  // Writes the observation (Gymnasium's _get_obs).
  virtual void observe(std::span<double> obs) const = 0;
  // Gymnasium's _get_reset_info (default: none).
  virtual void reset_info() { info_.clear(); }

  // Gymnasium's reset noise: init + U(-scale, scale), and init + scale * N(0, 1), per
  // component in order (coagent's stream, not NumPy's).
  std::vector<double> uniform_around(const std::vector<double>& init, double scale) {
    std::vector<double> v = init;
    for (double& x : v) x = x + rng_.uniform(-scale, scale);
    return v;
  }
  std::vector<double> normal_around(const std::vector<double>& init, double scale) {
    std::vector<double> v = init;
    for (double& x : v) x = x + scale * rng_.normal();
    return v;
  }
  // The reset most tasks have: qpos uniform around init_qpos, then qvel uniform (or, with
  // `normal_qvel`, normal) around init_qvel, drawn in that order, then set_state.
  void reset_around_init(double scale, bool normal_qvel = false) {
    const std::vector<double> qpos = uniform_around(init_qpos_, scale);
    const std::vector<double> qvel =
        normal_qvel ? normal_around(init_qvel_, scale) : uniform_around(init_qvel_, scale);
    set_state(qpos, qvel);
  }

  void do_simulation(std::span<const float> action);
  double dt() const { return model_->opt.timestep * task_.frame_skip; }
  int body_id(const char* body) const;
  // Gymnasium's `weight * np.sum(np.square(action))` on a float32 action: under NumPy 2
  // the Python float weight is cast to float32 and the cost stays float32.
  static float control_cost(double weight, std::span<const float> action) noexcept {
    return static_cast<float>(weight) * numpy_sum_of_squares(action);
  }

  // Info terms: names are string literals, in Gymnasium's order.
  struct InfoTerm {
    const char* name;
    double value;
  };
  std::vector<InfoTerm> info_;

  mjModel* model_ = nullptr;
  mjData* data_ = nullptr;
  std::vector<double> init_qpos_, init_qvel_;

 private:
  void check_simulation();

  MujocoTask task_;
  std::vector<float> action32_;
  bool broken_ = false;  // a step failed: only reset() may follow
};

// Gymnasium's assets folder: $COAGENT_MUJOCO_ASSETS, else the one found at configure time.
std::string mujoco_assets_dir();

}  // namespace coagent::envs
