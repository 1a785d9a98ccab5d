// launch/collectives.cpp — picks the backend by device (see header).
#include "launch/collectives.h"

#include <stdexcept>

#include "launch/mpi_allreduce_backend.h"
#include "launch/nccl_backend.h"

namespace ganrun::launch {

std::unique_ptr<GroupCollectives> make_collectives(const ProcessGroup& group,
                                                   torch::Device device) {
  if (device.is_cuda()) return make_nccl_collectives(group, device);
  if (device.is_cpu()) return std::make_unique<MpiCollectives>(group);
  throw std::runtime_error("data-parallel groups support cpu and cuda devices, not " +
                           device.str());
}

std::string group_device_error(const ProcessGroup& group, torch::Device device) {
  if (!device.is_cuda() || group.size < 2) return "";
  return shared_gpu_error(group, device);
}

}  // namespace ganrun::launch
