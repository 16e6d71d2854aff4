// src/mpi/mpi_wire.cpp — coagent::Wire over an MPI communicator (coagent/mpi.hpp).
// Point-to-point messages are MPI_Isend / MPI_Iprobe + MPI_Recv of bytes on one tag
// of a duplicated communicator (so MPI's non-overtaking rule gives the order the
// runtime relies on); collectives are MPI_Bcast and MPI_Allreduce on the same one.
#include "coagent/mpi.hpp"

#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

namespace coagent {
namespace {

constexpr int kTag = 7;

class MpiWire final : public Wire {
 public:
  explicit MpiWire(MPI_Comm comm) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) throw std::invalid_argument("mode mpi: MPI is not initialised");
    MPI_Comm_dup(comm, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiWire() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (finalised) return;
    for (auto& s : sends_) MPI_Wait(&s.request, MPI_STATUS_IGNORE);
    MPI_Comm_free(&comm_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int to, std::shared_ptr<const WireBytes> message) override {
    if (message->size() > static_cast<std::size_t>(INT_MAX))
      throw std::runtime_error("mode mpi: a message of " + std::to_string(message->size()) +
                               " bytes is too large");
    sends_.push_back({std::move(message), MPI_REQUEST_NULL});
    Send& s = sends_.back();
    MPI_Isend(s.bytes->data(), static_cast<int>(s.bytes->size()), MPI_BYTE, to, kTag, comm_,
              &s.request);
    bytes_ += s.bytes->size();
    ++messages_;
  }

  bool try_receive(int& from, WireBytes& message) override {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTag, comm_, &flag, &st);
    if (!flag) return false;
    int n = 0;
    MPI_Get_count(&st, MPI_BYTE, &n);
    message.resize(static_cast<std::size_t>(n));
    MPI_Recv(message.data(), n, MPI_BYTE, st.MPI_SOURCE, kTag, comm_, MPI_STATUS_IGNORE);
    from = st.MPI_SOURCE;
    return true;
  }

  bool sends_pending() override {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < sends_.size(); ++i) {
      int done = 0;
      MPI_Test(&sends_[i].request, &done, MPI_STATUS_IGNORE);
      if (!done) sends_[kept++] = std::move(sends_[i]);
    }
    sends_.resize(kept);
    return kept > 0;
  }

  void broadcast(WireBytes& bytes, int root) override {
    std::uint64_t n = bytes.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_);
    bytes.resize(n);
    for (std::uint64_t at = 0; at < n;) {
      const int chunk = static_cast<int>(std::min<std::uint64_t>(n - at, INT_MAX / 2));
      MPI_Bcast(bytes.data() + at, chunk, MPI_BYTE, root, comm_);
      at += static_cast<std::uint64_t>(chunk);
    }
  }

  int first(bool flag) override {
    int v = flag ? rank_ : INT_MAX;
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MIN, comm_);
    return v == INT_MAX ? -1 : v;
  }

  std::uint64_t bytes_sent() const noexcept override { return bytes_; }
  std::uint64_t messages_sent() const noexcept override { return messages_; }

 private:
  struct Send {
    std::shared_ptr<const WireBytes> bytes;
    MPI_Request request;
  };
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<Send> sends_;
  std::uint64_t bytes_ = 0, messages_ = 0;
};

}  // namespace

std::shared_ptr<Wire> make_mpi_wire(MPI_Comm comm) { return std::make_shared<MpiWire>(comm); }

}  // namespace coagent
