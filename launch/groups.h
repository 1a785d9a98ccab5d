// launch/groups.h — splits the world into groups of k consecutive ranks (`ranks_per_run: k`;
// `train --data-parallel` is one group of the whole world), each training one run
// data-parallel. Consecutive ranks share a node under mpirun's and srun's default mapping, so a
// group's collectives stay on the node where they can. Knows nothing of GANs.
#pragma once

#include "launch/mpi_session.h"
#include "launch/process_group.h"

namespace ganrun::launch {

// The group a world rank belongs to: world_rank / ranks_per_group.
int group_index_of(int world_rank, int ranks_per_group);

// Owns the group communicator of this rank.
class GroupSplit {
 public:
  // Collective over the world. Throws std::invalid_argument when ranks_per_group < 1 or does not
  // divide the world size (the runner checks this first, with a message for the user). k = 1
  // splits nothing: every rank is its own group over MPI_COMM_SELF.
  GroupSplit(const MpiSession& mpi, int ranks_per_group);
  ~GroupSplit();  // MPI_Comm_free of the group communicator
  GroupSplit(const GroupSplit&) = delete;
  GroupSplit& operator=(const GroupSplit&) = delete;

  const ProcessGroup& group() const { return group_; }
  int groups() const { return groups_; }

 private:
  ProcessGroup group_;
  int groups_ = 1;
};

}  // namespace ganrun::launch
