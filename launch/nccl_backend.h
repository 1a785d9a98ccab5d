// launch/nccl_backend.h — GroupCollectives over NCCL for CUDA tensors. The communicator is
// bootstrapped through MPI (ncclGetUniqueId on the group's root, MPI_Bcast of the id,
// ncclCommInitRank on every rank after selecting its GPU); collectives are queued on the
// current CUDA stream (the one LibTorch computes on), so no host sync per step.
// Compiled without NCCL (GANRUN_HAVE_NCCL unset), the factory throws with the reason.
#pragma once

#include <memory>
#include <string>

#include "launch/collectives.h"

namespace ganrun::launch {

// Collective over group.comm. Throws std::runtime_error when the GPUs of the group are shared
// (see shared_gpu_error), NCCL is absent, or NCCL fails.
std::unique_ptr<GroupCollectives> make_nccl_collectives(const ProcessGroup& group,
                                                        torch::Device device);

// "" when every rank of the group has a GPU of its own; else which ranks share which GPU and
// the fix. Compares (host, PCI bus id), so CUDA_VISIBLE_DEVICES renumbering cannot hide a
// shared GPU. A collective over group.comm.
std::string shared_gpu_error(const ProcessGroup& group, torch::Device device);

// The NCCL version ganrun compiled against (nccl.h) and the one the process loaded
// (ncclGetVersion), as NCCL codes (e.g. 23005); {0, 0} without NCCL. A mismatch means two
// copies of libnccl/nccl.h on the machine (see STACK-NOTES: the toolkit's and the wheel's).
struct NcclVersions {
  int compiled = 0;
  int loaded = 0;
};
NcclVersions nccl_versions();

}  // namespace ganrun::launch
