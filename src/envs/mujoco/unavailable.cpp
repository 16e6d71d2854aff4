// src/envs/mujoco/unavailable.cpp — the MuJoCo tasks in a build without MuJoCo: none is
// listed, and asking for one says in one line how to get it.
#include "envs/envs.hpp"
#include "envs/mujoco/tasks.hpp"

namespace coagent::envs {

std::vector<Registered> mujoco_family() {
  std::vector<Registered> rows;
  for (std::size_t i = 0; i < kMujocoTasks.size(); ++i)
    rows.push_back({mujoco_task_info(i), nullptr,
                    "needs MuJoCo: pip install 'coagent[mujoco]' (MuJoCo's C library comes "
                    "with it) and rebuild"});
  return rows;
}

}  // namespace coagent::envs
