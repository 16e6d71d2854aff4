// src/envs/mujoco/mujoco_env.cpp — Gymnasium's MujocoEnv on MuJoCo's C library (see
// mujoco_env.hpp for what is reproduced and what coagent does differently).
#include "envs/mujoco/mujoco_env.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <stdexcept>

#ifndef COAGENT_MUJOCO_ASSETS_DEFAULT
#define COAGENT_MUJOCO_ASSETS_DEFAULT ""
#endif

namespace coagent::envs {
namespace {

// MuJoCo's default warning handler prints to stdout and appends to MUJOCO_LOG.TXT in the
// working directory; coagent reports a step's warnings as an exception instead. A handler
// someone else installed (an application) is kept.
void install_quiet_warnings() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (mju_user_warning == nullptr) mju_user_warning = [](const char*) {};
  });
}

}  // namespace

std::string mujoco_assets_dir() {
  if (const char* dir = std::getenv("COAGENT_MUJOCO_ASSETS"); dir != nullptr && *dir != '\0')
    return dir;
  return COAGENT_MUJOCO_ASSETS_DEFAULT;
}

MujocoEnv::MujocoEnv(const MujocoTask& task) : task_(task) {
  install_quiet_warnings();
  const std::string dir = mujoco_assets_dir();
  const std::string path = (std::filesystem::path(dir) / task.xml).string();
  if (dir.empty() || !std::filesystem::exists(path))
    throw std::runtime_error(std::string(task.name) + ": no MuJoCo model at '" + path +
                             "' (Gymnasium's assets folder, gymnasium/envs/mujoco/assets: set "
                             "COAGENT_MUJOCO_ASSETS to it)");
  std::array<char, 1000> error{};
  model_ = mj_loadXML(path.c_str(), nullptr, error.data(), static_cast<int>(error.size()));
  if (model_ == nullptr)
    throw std::runtime_error(std::string(task.name) + ": MuJoCo cannot load '" + path +
                             "': " + error.data());
  data_ = mj_makeData(model_);
  if (data_ == nullptr) {
    mj_deleteModel(model_);
    throw std::runtime_error(std::string(task.name) + ": MuJoCo cannot allocate its data");
  }
  init_qpos_.assign(data_->qpos, data_->qpos + model_->nq);
  init_qvel_.assign(data_->qvel, data_->qvel + model_->nv);
  action32_.resize(static_cast<std::size_t>(model_->nu));
}

MujocoEnv::~MujocoEnv() {
  mj_deleteData(data_);
  mj_deleteModel(model_);
}

Box MujocoEnv::observation_bounds() const {
  const auto n = static_cast<std::size_t>(observation_size());
  constexpr double inf = std::numeric_limits<double>::infinity();
  return {std::vector<double>(n, -inf), std::vector<double>(n, inf)};
}

Box MujocoEnv::action_bounds() const {
  // Gymnasium's action space: actuator_ctrlrange cast to float32.
  Box b;
  for (int i = 0; i < model_->nu; ++i) {
    b.low.push_back(static_cast<float>(model_->actuator_ctrlrange[2 * i]));
    b.high.push_back(static_cast<float>(model_->actuator_ctrlrange[2 * i + 1]));
  }
  return b;
}

void MujocoEnv::reset(std::optional<std::uint64_t> seed, std::span<double> obs) {
  check_obs(obs);
  begin_episode(seed);
  mj_resetData(model_, data_);
  broken_ = false;
  reset_model();
  observe(obs);
  reset_info();
}

StepResult MujocoEnv::step(std::span<const double> action, std::span<double> obs) {
  check_action(action);
  check_obs(obs);
  if (broken_)
    throw std::runtime_error(std::string(name()) +
                             ": the last step failed; reset() or set_state() must come first");
  for (std::size_t i = 0; i < action.size(); ++i) {
    action32_[i] = static_cast<float>(action[i]);
    if (!std::isfinite(action32_[i]))
      throw std::invalid_argument(std::string(name()) + ": action[" + std::to_string(i) + "] is " +
                                  std::to_string(action[i]) +
                                  ", outside float32's range (Gymnasium's action space is float32)");
  }
  StepResult r = step_task(action32_);
  observe(obs);
  r.truncated = tick();
  return r;
}

void MujocoEnv::do_simulation(std::span<const float> action) {
  for (int i = 0; i < model_->nu; ++i) data_->ctrl[i] = action[static_cast<std::size_t>(i)];
  for (auto& w : data_->warning) w.number = 0;  // so that this step's warnings show
  for (int k = 0; k < task_.frame_skip; ++k) mj_step(model_, data_);
  mj_rnePostConstraint(model_, data_);
  check_simulation();
}

void MujocoEnv::check_simulation() {
  const std::string where = std::string(name()) + ": step " + std::to_string(elapsed_ + 1);
  for (int w = 0; w < mjNWARNING; ++w)
    if (data_->warning[w].number > 0) {
      broken_ = true;
      throw std::runtime_error(where + ": MuJoCo warning: " +
                               mju_warningText(w, static_cast<std::size_t>(data_->warning[w].lastinfo)) +
                               " (the simulation went unstable; reset the environment)");
    }
  auto check = [&](const double* v, int n, const char* what) {
    for (int i = 0; i < n; ++i)
      if (!std::isfinite(v[i])) {
        broken_ = true;
        throw std::runtime_error(where + ": " + what + "[" + std::to_string(i) + "] is " +
                                 std::to_string(v[i]) + " after the step (the simulation went unstable)");
      }
  };
  check(data_->qpos, model_->nq, "qpos");
  check(data_->qvel, model_->nv, "qvel");
}

void MujocoEnv::set_state(std::span<const double> qpos, std::span<const double> qvel) {
  std::copy(qpos.begin(), qpos.end(), data_->qpos);
  std::copy(qvel.begin(), qvel.end(), data_->qvel);
  mj_forward(model_, data_);
}

std::vector<double> MujocoEnv::state() const {
  std::vector<double> s(data_->qpos, data_->qpos + model_->nq);
  s.insert(s.end(), data_->qvel, data_->qvel + model_->nv);
  return s;
}

void MujocoEnv::set_state(std::span<const double> state) {
  const auto nq = static_cast<std::size_t>(model_->nq), nv = static_cast<std::size_t>(model_->nv);
  check_state(state, nq + nv);
  set_state(state.first(nq), state.subspan(nq, nv));
  elapsed_ = 0;
  broken_ = false;
}

std::vector<std::string> MujocoEnv::state_names() const {
  std::vector<std::string> names;
  for (int i = 0; i < model_->nq; ++i) names.push_back("qpos" + std::to_string(i));
  for (int i = 0; i < model_->nv; ++i) names.push_back("qvel" + std::to_string(i));
  return names;
}

std::vector<std::pair<std::string, double>> MujocoEnv::info() const {
  std::vector<std::pair<std::string, double>> out;
  out.reserve(info_.size());
  for (const InfoTerm& t : info_) out.emplace_back(t.name, t.value);
  return out;
}

bool MujocoEnv::episode_success(const EpisodeStats& e) const {
  return task_.reward_threshold && e.episode_return >= *task_.reward_threshold;
}

bool MujocoEnv::solved(double mean_return, double) const {
  return task_.reward_threshold && mean_return >= *task_.reward_threshold;
}

std::string MujocoEnv::solved_criterion() const {
  if (!task_.reward_threshold) return "none defined (Gymnasium has no reward threshold)";
  std::string t = std::to_string(*task_.reward_threshold);
  t.erase(t.find_last_not_of('0') + 1);
  if (t.back() == '.') t.pop_back();
  return "mean return >= " + t + " (Gymnasium's reward threshold)";
}

int MujocoEnv::body_id(const char* body) const {
  const int id = mj_name2id(model_, mjOBJ_BODY, body);
  if (id < 0)
    throw std::runtime_error(std::string(name()) + ": the model has no body '" + body + "'");
  return id;
}

BodyPicture MujocoEnv::body_picture() const {
  BodyPicture pic;
  pic.top = task_.name == "Reacher-v5" || task_.name == "Swimmer-v5";
  const int second = pic.top ? 1 : 2;  // y from above, z from the side
  for (int g = 0; g < model_->ngeom; ++g) {
    const int type = model_->geom_type[g];
    if (type == mjGEOM_PLANE || model_->geom_bodyid[g] == 0) continue;  // the floor, the arena
    const mjtNum* c = data_->geom_xpos + 3 * g;
    const mjtNum* m = data_->geom_xmat + 9 * g;  // row-major: column k is (m[k], m[3+k], m[6+k])
    const mjtNum* size = model_->geom_size + 3 * g;
    int axis = 2;
    double half = 0.0, radius = size[0];
    if (type == mjGEOM_CAPSULE || type == mjGEOM_CYLINDER) {
      half = size[1];
    } else if (type == mjGEOM_BOX) {
      axis = size[0] >= size[1] && size[0] >= size[2] ? 0 : size[1] >= size[2] ? 1 : 2;
      half = size[axis];
      radius = std::min({size[0], size[1], size[2]});
    } else if (type != mjGEOM_SPHERE && type != mjGEOM_ELLIPSOID) {
      continue;
    }
    const double d0 = half * m[axis], d1 = half * m[3 * second + axis];
    pic.segments.push_back({c[0] - d0, c[second] - d1, c[0] + d0, c[second] + d1, radius});
  }
  return pic;
}

}  // namespace coagent::envs
