// coagent/mpi.hpp — mode mpi over an MPI communicator (built when CMake finds MPI;
// link coagent::mpi). An application that runs its own MPI job hands its
// communicator to a Trainer:
//
//   MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
//   coagent::TrainConfig cfg = ...;  cfg.mode = coagent::Mode::mpi;
//   coagent::Trainer trainer(cfg);            // on every rank of `comm`, same settings
//   coagent::use_mpi(trainer, comm);
//   trainer.train();                          // collective over `comm`
//   if (rank == 0) trainer.save("run.ckpt");  // every rank holds the whole state
//
// The wire duplicates `comm` (its messages never mix with the application's) and
// frees the duplicate when the last Trainer using it is destroyed, which must be before
// MPI_Finalize. train() is called on the thread that initialised MPI (or MPI provides
// at least MPI_THREAD_SERIALIZED).
#pragma once

#include <mpi.h>

#include <memory>

#include "coagent/trainer.hpp"
#include "coagent/wire.hpp"

namespace coagent {

std::shared_ptr<Wire> make_mpi_wire(MPI_Comm comm);

inline void use_mpi(Trainer& trainer, MPI_Comm comm) { trainer.use_wire(make_mpi_wire(comm)); }

}  // namespace coagent
