// launch/cpu_binding.h — how many intra-op threads a rank may use without oversubscribing the
// node: the cores in its affinity mask (its binding by mpirun or Slurm, or the whole node when
// unbound), divided among the ranks of the node whose masks overlap it. So 2 ranks bound to a
// core each get 1 thread each, 4 ranks bound to 2 sockets get half a socket each, and unbound
// ranks share the node's cores evenly.
#pragma once

#include <sched.h>  // CPU_SETSIZE

#include <bitset>
#include <vector>

#include "launch/mpi_session.h"

namespace ganrun::launch {

using CpuMask = std::bitset<CPU_SETSIZE>;

// This process's affinity mask (sched_getaffinity); every core when it cannot be read.
CpuMask affinity_mask();

// The rule, without the system calls: the cores of node_masks[me], divided by the number of
// masks (this one included) that share a core with it, rounded down, at least 1.
int threads_for(const std::vector<CpuMask>& node_masks, int me);

// Collective over the node: gathers every node rank's mask and applies threads_for.
int threads_for_rank(const MpiSession& mpi);

}  // namespace ganrun::launch
