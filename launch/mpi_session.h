// launch/mpi_session.h — the process's MPI life cycle and the few collectives the runner needs
// to agree across ranks (exit codes, validation results, the plan's per-rank table). A
// singleton run (no mpirun) is a world of size 1; under `srun --mpi=pmix` nothing differs:
// ranks come from MPI itself, never from launcher environment variables. Knows nothing of GANs.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ganrun::launch {

class MpiSession {
 public:
  // Initialises MPI (MPI_THREAD_FUNNELED: only the main thread calls MPI) and sets
  // MPI_ERRORS_RETURN on MPI_COMM_WORLD and MPI_COMM_SELF, so failed calls reach MPI_CHECK
  // (launch/mpi_check.h) instead of aborting the job. A second instance is an error.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();  // MPI_Finalize
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }  // rank among the ranks of this node
  int local_size() const { return local_size_; }
  bool is_root() const { return rank_ == 0; }
  // The ranks of this node (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)); freed by the session.
  MPI_Comm node_comm() const { return node_; }

  // The maximum of `value` over all ranks (exit-code agreement, "any rank found an error").
  // These collectives throw std::runtime_error (MPI_CHECK) when MPI reports a failure.
  int allreduce_max(int value) const;
  int allreduce_min(int value) const;
  void barrier() const;
  // Rank 0's string, on every rank.
  std::string broadcast_string(const std::string& value) const;
  // Rank 0's values, on every rank.
  std::vector<int64_t> broadcast_int64s(const std::vector<int64_t>& values) const;
  // Every rank's string, in rank order, on rank 0 (empty elsewhere).
  std::vector<std::string> gather_strings(const std::string& value) const;

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  MPI_Comm node_ = MPI_COMM_NULL;
};

}  // namespace ganrun::launch
