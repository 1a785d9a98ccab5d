// launch/mpi_session.h — the process's MPI life cycle and the few collectives the runner needs
// to agree across ranks (exit codes, validation results). A singleton run (no mpirun) is a
// world of size 1. Knows nothing of GANs.
#pragma once

#include <string>

namespace ganrun::launch {

class MpiSession {
 public:
  // Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI). Idempotent per
  // process: a second instance is an error.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the ranks of this node
  int local_size() const { return local_size_; }
  bool is_root() const { return rank_ == 0; }

  // The maximum of `value` over all ranks (exit-code agreement, "any rank found an error").
  int allreduce_max(int value) const;
  int allreduce_min(int value) const;
  void barrier() const;
  // Rank 0's string, on every rank.
  std::string broadcast_string(const std::string& value) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
};

}  // namespace ganrun::launch
