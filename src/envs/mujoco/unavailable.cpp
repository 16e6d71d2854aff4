// src/envs/mujoco/unavailable.cpp — the MuJoCo tasks in a build without MuJoCo: none is
// listed, and asking for one says in one line how to get it.
#include <stdexcept>
#include <string>

#include "envs/envs.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {

std::vector<std::string> mujoco_env_names() { return {}; }

std::unique_ptr<Env> make_mujoco_env(std::string_view name) {
  if (!is_mujoco_task(name)) return nullptr;
  throw std::invalid_argument(std::string(name) +
                              " needs MuJoCo: pip install 'coagent[mujoco]' (MuJoCo's C library "
                              "comes with it) and rebuild");
}

}  // namespace coagent::envs
