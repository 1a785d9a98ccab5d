// launch/device_binding.h — which GPU a rank trains on. Ranks of one node that see the same
// GPUs (the same CUDA_VISIBLE_DEVICES) are "GPU peers"; peer i takes visible GPU i mod G,
// so consecutive ranks (the ranks of one data-parallel group) land on different GPUs. More
// peers than G x ranks_per_gpu is an error naming the counts and the fix. Under Slurm's
// --gpus-per-task each rank sees its own GPU and is its only peer. Knows nothing of GANs and
// of CUDA: the caller passes the number of visible GPUs.
#pragma once

#include <string>

#include "launch/mpi_session.h"
#include "launch/process_group.h"

namespace ganrun::launch {

struct GpuPeers {
  int index = 0;  // this rank's position among the node's ranks that see the same GPUs
  int count = 1;  // how many such ranks
};

// Collective over the node (every rank must call it): groups the node's ranks by the value of
// CUDA_VISIBLE_DEVICES (unset and set are different groups).
GpuPeers find_gpu_peers(const MpiSession& mpi);

// The visible GPU index for a peer. Throws std::invalid_argument with a message for the user
// when peers.count > visible_gpus * ranks_per_gpu, or when visible_gpus < 1 or
// ranks_per_gpu < 1.
int gpu_for_peer(const GpuPeers& peers, int visible_gpus, int ranks_per_gpu);

// Collective over group.comm: "" when every rank of the group trains on its own GPU (or on the
// CPU: gpu_index < 0), else a message naming the GPU that two ranks of the group share (a
// communicator refuses two ranks on one GPU, so data-parallel groups need one GPU per rank).
std::string shared_gpu_in_group(const ProcessGroup& group, int gpu_index);

}  // namespace ganrun::launch
