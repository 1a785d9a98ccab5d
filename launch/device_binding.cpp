// launch/device_binding.cpp — rank -> GPU by position among the node's GPU peers (see header).
#include "launch/device_binding.h"

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <vector>

namespace ganrun::launch {

GpuPeers find_gpu_peers(const MpiSession& mpi) {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  // MPI_Comm_split needs a non-negative int colour; a hash collision would only merge two peer
  // sets of one node, which the count check then treats conservatively.
  const std::string key = visible ? std::string("=") + visible : std::string("unset");
  const int colour = static_cast<int>(std::hash<std::string>{}(key)&0x3fffffff);
  MPI_Comm peers = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(mpi.node_comm(), colour, mpi.local_rank(), &peers), "MPI_Comm_split");
  GpuPeers out;
  MPI_Comm_rank(peers, &out.index);
  MPI_Comm_size(peers, &out.count);
  MPI_Comm_free(&peers);
  return out;
}

int gpu_for_peer(const GpuPeers& peers, int visible_gpus, int ranks_per_gpu) {
  if (visible_gpus < 1) throw std::invalid_argument("no GPU is visible to this rank");
  if (ranks_per_gpu < 1)
    throw std::invalid_argument(
        fmt::format("--ranks-per-gpu must be >= 1 (got {})", ranks_per_gpu));
  if (peers.count > visible_gpus * ranks_per_gpu) {
    const int needed = (peers.count + visible_gpus - 1) / visible_gpus;
    throw std::invalid_argument(fmt::format(
        "{} ranks on this node but {} GPU(s) ({} rank(s) per GPU allowed); pass "
        "--ranks-per-gpu {} to share them (sweeps only: a data-parallel group needs one GPU per "
        "rank), or start at most {} rank(s) per node",
        peers.count, visible_gpus, ranks_per_gpu, needed, visible_gpus * ranks_per_gpu));
  }
  return peers.index % visible_gpus;
}

std::string shared_gpu_in_group(const ProcessGroup& group, int gpu_index) {
  if (group.size <= 1) return "";
  // Only ranks of one node can share a GPU: compare the indices within each node's part.
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(group.comm, MPI_COMM_TYPE_SHARED, group.rank, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  int size = 1;
  MPI_Comm_size(node, &size);
  std::vector<int> indices(static_cast<size_t>(size));
  const int rc = MPI_Allgather(&gpu_index, 1, MPI_INT, indices.data(), 1, MPI_INT, node);
  MPI_Comm_free(&node);
  check_mpi(rc, "MPI_Allgather");
  for (size_t a = 0; a < indices.size(); ++a)
    for (size_t b = a + 1; b < indices.size(); ++b)
      if (indices[a] >= 0 && indices[a] == indices[b])
        return fmt::format(
            "two ranks of run group {} would share GPU {}: a data-parallel group needs one GPU "
            "per rank; lower --ranks-per-gpu to 1, or start fewer ranks per node",
            group.index, indices[a]);
  return "";
}

}  // namespace ganrun::launch
