// An application's own MPI job hands coagent a communicator (coagent/mpi.hpp): the
// world is split in two halves, each trains the same run in mode mpi over its half
// while the application's own messages use the world, and every rank checks that its
// digest is lockstep's. Run under mpirun -np R (R >= 2); exits non-zero on a mismatch.
#include <mpi.h>

#include <cstdio>

#include "coagent/mpi.hpp"
#include "coagent/trainer.hpp"

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm half;
  MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);

  coagent::TrainConfig cfg;
  cfg.env = "mountaincar";
  cfg.hidden = {32, 32};
  cfg.steps = 1500;
  cfg.seed = 11;
  cfg.threads = 1;
  cfg.mode = coagent::Mode::lockstep;
  coagent::Trainer ref(cfg);
  ref.train();

  int ok = 1;
  {
    cfg.mode = coagent::Mode::mpi;
    coagent::Trainer t(cfg);
    coagent::use_mpi(t, half);
    t.train_until(700, {});
    int token = rank;  // the application's own traffic on the world between runs
    MPI_Allreduce(MPI_IN_PLACE, &token, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    t.train();
    ok = t.digest() == ref.digest() ? 1 : 0;
    std::printf("rank %d of %d (half %d): digest %s lockstep\n", rank, size, rank % 2,
                ok ? "=" : "!=");
  }  // the trainer (and its duplicate of `half`) goes before MPI_Finalize
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Comm_free(&half);
  MPI_Finalize();
  return ok ? 0 : 1;
}
