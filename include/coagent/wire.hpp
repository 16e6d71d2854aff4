// coagent/wire.hpp — what the distributed runtime (mode mpi, docs/design.md §6.4)
// needs from the network between ranks. coagent/mpi.hpp builds one over an MPI
// communicator; an application may supply its own.
//
// Contract
//   * Every call is made from one thread per rank: the thread that calls
//     Trainer::train_until (with MPI: the thread that initialised MPI, so
//     MPI_THREAD_FUNNELED suffices). Tasks never touch the wire.
//   * send() and try_receive() never block. Messages from one rank to another arrive
//     in the order they were sent (MPI's non-overtaking rule); nothing else is ordered.
//   * broadcast() and first() are collective: every rank calls them in the same order.
//   * A failure of the wire (a rank gone) ends the job (MPI's default error handler);
//     the runtime does not try to survive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace coagent {

using WireBytes = std::vector<std::byte>;

class Wire {
 public:
  virtual ~Wire() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Queues `message` to rank `to`; the buffer is shared by every send of it and kept
  // alive until delivered.
  virtual void send(int to, std::shared_ptr<const WireBytes> message) = 0;
  // Takes one arrived message, if any.
  virtual bool try_receive(int& from, WireBytes& message) = 0;
  // Progresses the queued sends; true while any is still incomplete.
  virtual bool sends_pending() = 0;
  // Collective: `bytes` on `root` replaces `bytes` everywhere else.
  virtual void broadcast(WireBytes& bytes, int root) = 0;
  // Collective: the lowest rank whose `flag` is true, or -1.
  virtual int first(bool flag) = 0;
  // Bytes and messages this rank has sent point to point so far (for benchmarks).
  virtual std::uint64_t bytes_sent() const noexcept { return 0; }
  virtual std::uint64_t messages_sent() const noexcept { return 0; }
};

}  // namespace coagent
