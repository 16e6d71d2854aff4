// src/mpi/job_mpi.cpp — the CLI's MPI job over Open MPI (job.hpp).
#include <mpi.h>

#include <exception>
#include <stdexcept>

#include "coagent/mpi.hpp"
#include "mpi/job.hpp"

namespace coagent::mpi {
namespace {

class MpiJob final : public Job {
 public:
  MpiJob() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (provided < MPI_THREAD_FUNNELED)
      throw std::runtime_error("mode mpi: MPI does not provide MPI_THREAD_FUNNELED");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  // On an error the job is left without MPI_Finalize: the process exits and the
  // launcher ends every other rank (one rank's error must not wait on the others).
  ~MpiJob() override {
    if (std::uncaught_exceptions() > 0) return;
    wire_.reset();
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::shared_ptr<Wire> wire_of_first(int n) override {
    MPI_Comm sub = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, rank_ < n ? 0 : MPI_UNDEFINED, rank_, &sub);
    if (sub == MPI_COMM_NULL) return nullptr;
    auto w = make_mpi_wire(sub);  // its own duplicate
    MPI_Comm_free(&sub);
    return w;
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  std::shared_ptr<Wire> wire() override {
    if (!wire_) wire_ = make_mpi_wire(MPI_COMM_WORLD);
    return wire_;
  }

 private:
  int rank_ = 0, size_ = 1;
  std::shared_ptr<Wire> wire_;
};

}  // namespace

bool available() noexcept { return true; }

std::unique_ptr<Job> start_job() { return std::make_unique<MpiJob>(); }

}  // namespace coagent::mpi
