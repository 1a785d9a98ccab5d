// launch/device_binding.cpp — rank -> GPU by position among the node's GPU peers (see header).
#include "launch/device_binding.h"

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <vector>

#include "launch/mpi_check.h"

namespace ganrun::launch {
namespace {

// A communicator split off for the length of one function, freed however it is left.
class ScopedComm {
 public:
  ScopedComm() = default;
  ScopedComm(const ScopedComm&) = delete;
  ScopedComm& operator=(const ScopedComm&) = delete;
  ~ScopedComm() {
    if (comm_ != MPI_COMM_NULL) MPI_CHECK_NOTHROW(MPI_Comm_free(&comm_));
  }
  MPI_Comm* out() { return &comm_; }
  operator MPI_Comm() const { return comm_; }  // NOLINT: used where the C API wants an MPI_Comm

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace

GpuPeers find_gpu_peers(const MpiSession& mpi) {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  // MPI_Comm_split needs a non-negative int colour; a hash collision would only merge two peer
  // sets of one node, which the count check then treats conservatively.
  const std::string key = visible ? std::string("=") + visible : std::string("unset");
  const int colour = static_cast<int>(std::hash<std::string>{}(key)&0x3fffffff);
  ScopedComm peers;
  MPI_CHECK(MPI_Comm_split(mpi.node_comm(), colour, mpi.local_rank(), peers.out()));
  GpuPeers out;
  MPI_CHECK(MPI_Comm_rank(peers, &out.index));
  MPI_CHECK(MPI_Comm_size(peers, &out.count));
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
  ScopedComm node;
  MPI_CHECK(
      MPI_Comm_split_type(group.comm, MPI_COMM_TYPE_SHARED, group.rank, MPI_INFO_NULL, node.out()));
  int size = 1;
  MPI_CHECK(MPI_Comm_size(node, &size));
  std::vector<int> indices(static_cast<size_t>(size));
  MPI_CHECK(MPI_Allgather(&gpu_index, 1, MPI_INT, indices.data(), 1, MPI_INT, node));
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
