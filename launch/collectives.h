// launch/collectives.h — the two collectives a data-parallel group needs, over the ranks of
// one ProcessGroup: an in-place sum of a flat tensor and an in-place broadcast from a rank.
// One interface, two backends chosen by the tensors' device: MPI on CPU
// (launch/mpi_allreduce_backend.h), NCCL on CUDA (launch/nccl_backend.h). Knows nothing of GANs.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "launch/process_group.h"

namespace ganrun::launch {

class GroupCollectives {
 public:
  virtual ~GroupCollectives() = default;
  // `flat` is contiguous, on the backend's device, of a floating dtype (the sum) or any dtype
  // (the broadcast, which moves bytes). On CUDA both are queued on the current stream and
  // return without waiting for the device.
  virtual void sum_in_place(torch::Tensor& flat) = 0;
  virtual void broadcast_in_place(torch::Tensor& flat, int root) = 0;
  virtual const char* backend() const = 0;  // "mpi" | "nccl"
  virtual int size() const = 0;             // ranks of the group
};

// The backend for `device`: MPI for CPU tensors, NCCL for CUDA tensors (its communicator is
// bootstrapped over group.comm, a collective call on every rank of the group). Throws
// std::runtime_error when the device cannot serve a group (see group_device_error).
std::unique_ptr<GroupCollectives> make_collectives(const ProcessGroup& group, torch::Device device);

// Why the ranks of `group` cannot train one run together on `device`, or "" when they can.
// A collective over group.comm (call it on every rank). On CUDA: NCCL refuses two ranks of one
// communicator on the same GPU, and a build without NCCL has no GPU backend.
std::string group_device_error(const ProcessGroup& group, torch::Device device);

}  // namespace ganrun::launch
