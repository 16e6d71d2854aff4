// src/mpi/job.hpp — the CLI's MPI job: MPI started once per process (thread level
// MPI_THREAD_FUNNELED: only the thread that started it calls MPI, which is the thread
// that trains) and finalised when the job object goes. In a build without MPI,
// start_mpi_job() throws a message saying how to get it. No MPI types here, so the
// CLI compiles either way.
#pragma once

#include <memory>

#include "coagent/wire.hpp"

namespace coagent::mpi {

class Job {
 public:
  virtual ~Job() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // A wire over MPI_COMM_WORLD (one per job).
  virtual std::shared_ptr<Wire> wire() = 0;
  // Collective over every rank: a new wire over ranks 0 .. n-1 (nullptr on the others).
  virtual std::shared_ptr<Wire> wire_of_first(int n) = 0;
  virtual void barrier() = 0;
};

// Throws std::invalid_argument when this build has no MPI.
std::unique_ptr<Job> start_job();
// Whether this build has MPI.
bool available() noexcept;
// The rank the launcher gave this process (mpirun's environment), before MPI starts;
// 0 outside a launcher. Used so that only rank 0 prints errors.
int launcher_rank() noexcept;

}  // namespace coagent::mpi
