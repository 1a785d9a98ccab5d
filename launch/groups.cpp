// launch/groups.cpp — MPI_Comm_split of the world into run groups (see header).
#include "launch/groups.h"

#include <fmt/format.h>

#include <stdexcept>

#include "launch/mpi_check.h"

namespace ganrun::launch {

int group_index_of(int world_rank, int ranks_per_group) { return world_rank / ranks_per_group; }

GroupSplit::GroupSplit(const MpiSession& mpi, int ranks_per_group) {
  if (ranks_per_group < 1 || mpi.size() % ranks_per_group != 0)
    throw std::invalid_argument(
        fmt::format("cannot split {} ranks into groups of {}", mpi.size(), ranks_per_group));
  groups_ = mpi.size() / ranks_per_group;
  group_.index = group_index_of(mpi.rank(), ranks_per_group);
  if (ranks_per_group == 1) return;  // MPI_COMM_SELF, rank 0 of 1
  // The key keeps world order inside a group, so the group's root is its lowest world rank. The
  // new communicator inherits the world's MPI_ERRORS_RETURN.
  MPI_CHECK(MPI_Comm_split(MPI_COMM_WORLD, group_.index, mpi.rank(), &group_.comm));
  MPI_CHECK(MPI_Comm_rank(group_.comm, &group_.rank));
  MPI_CHECK(MPI_Comm_size(group_.comm, &group_.size));
}

GroupSplit::~GroupSplit() {
  if (group_.comm != MPI_COMM_SELF && group_.comm != MPI_COMM_NULL)
    MPI_CHECK_NOTHROW(MPI_Comm_free(&group_.comm));
}

}  // namespace ganrun::launch
