// launch/process_group.h — a set of ranks that train one run together (data-parallel), split
// from the world by MPI_Comm_split (`ranks_per_run: k`, or `train --data-parallel` = the whole
// world). A process alone is a group of size 1 over MPI_COMM_SELF. Knows nothing of GANs.
#pragma once

#include <mpi.h>

namespace ganrun::launch {

struct ProcessGroup {
  MPI_Comm comm = MPI_COMM_SELF;  // owned by whoever split it
  int rank = 0;                   // rank within the group; 0 is the group's root
  int size = 1;
  int index = 0;  // which group of the world this is (0 .. groups-1)
  bool is_root() const { return rank == 0; }
};

}  // namespace ganrun::launch
