// src/mpi/launcher.cpp — the rank a launcher gave this process, from its environment.
#include <cstdlib>

#include "mpi/job.hpp"

namespace coagent::mpi {

int launcher_rank() noexcept {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = std::getenv(name)) return std::atoi(v);
  return 0;
}

}  // namespace coagent::mpi
