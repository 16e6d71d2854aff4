// src/mpi/job_none.cpp — a build without MPI: mode mpi explains how to get it.
#include <stdexcept>

#include "mpi/job.hpp"

namespace coagent::mpi {

bool available() noexcept { return false; }

std::unique_ptr<Job> start_job() {
  throw std::invalid_argument(
      "mode: 'mpi' needs a build with MPI (install Open MPI with tools/install-deps, then "
      "rebuild: CMake finds it)");
}

}  // namespace coagent::mpi
