// launch/nccl_backend.cpp — NCCL communicator and collectives (see header).
#include "launch/nccl_backend.h"

#include <mpi.h>  // MPI_Bcast, MPI_Allgather, MPI_Get_processor_name

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef GANRUN_HAVE_NCCL
#include <c10/cuda/CUDAStream.h>  // c10::cuda::getCurrentCUDAStream
#include <cuda_runtime_api.h>     // cudaSetDevice, cudaDeviceGetPCIBusId
#include <nccl.h>
#endif

#include "launch/mpi_check.h"  // MPI_CHECK, throw_call_failure

namespace ganrun::launch {
namespace {

#ifdef GANRUN_HAVE_NCCL

void nccl_check(ncclResult_t result, const char* call, const char* file, int line) {
  if (result != ncclSuccess) throw_call_failure(call, file, line, ncclGetErrorString(result));
}
#define NCCLCHECK(call) nccl_check((call), #call, __FILE__, __LINE__)

void cuda_check(cudaError_t result, const char* call, const char* file, int line) {
  if (result != cudaSuccess) throw_call_failure(call, file, line, cudaGetErrorString(result));
}
#define CUDACHECK(call) cuda_check((call), #call, __FILE__, __LINE__)

ncclDataType_t nccl_type(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32:
      return ncclFloat32;
    case torch::kFloat64:
      return ncclFloat64;
    case torch::kFloat16:
      return ncclFloat16;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kInt64:
      return ncclInt64;
    default:
      throw std::invalid_argument(std::string("NCCL sum of a ") + c10::toString(t) +
                                  " tensor is not supported");
  }
}

class NcclCollectives final : public GroupCollectives {
 public:
  NcclCollectives(const ProcessGroup& group, torch::Device device)
      : size_(group.size), device_(device) {
    CUDACHECK(cudaSetDevice(device.index()));
    ncclUniqueId id;
    if (group.is_root()) NCCLCHECK(ncclGetUniqueId(&id));
    MPI_CHECK(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, group.comm));
    NCCLCHECK(ncclCommInitRank(&comm_, group.size, id, group.rank));
  }
  ~NcclCollectives() override { ncclCommDestroy(comm_); }
  NcclCollectives(const NcclCollectives&) = delete;
  NcclCollectives& operator=(const NcclCollectives&) = delete;

  void sum_in_place(torch::Tensor& flat) override {
    check(flat);
    void* p = flat.data_ptr();
    NCCLCHECK(ncclAllReduce(p, p, static_cast<size_t>(flat.numel()), nccl_type(flat.scalar_type()),
                            ncclSum, comm_, stream()));
  }

  void broadcast_in_place(torch::Tensor& flat, int root) override {
    check(flat);
    void* p = flat.data_ptr();
    NCCLCHECK(ncclBroadcast(p, p, static_cast<size_t>(flat.numel() * flat.element_size()),
                            ncclUint8, root, comm_, stream()));
  }

  const char* backend() const override { return "nccl"; }
  int size() const override { return size_; }

 private:
  void check(const torch::Tensor& flat) const {
    if (flat.device() != device_ || !flat.is_contiguous())
      throw std::invalid_argument("NCCL collectives need a contiguous tensor on " + device_.str());
  }
  // The stream LibTorch queues this device's kernels on: the collective runs in order with the
  // backward that produced the gradients and the optimizer step that reads them.
  cudaStream_t stream() const { return c10::cuda::getCurrentCUDAStream(device_.index()).stream(); }

  ncclComm_t comm_ = nullptr;
  int size_;
  torch::Device device_;
};

// "host/PCI bus id" of this rank's GPU.
std::string gpu_identity(torch::Device device) {
  char bus[64] = {};
  CUDACHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device.index()));
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_CHECK(MPI_Get_processor_name(host, &length));
  return std::string(host, length) + "/" + bus;
}

#endif  // GANRUN_HAVE_NCCL

constexpr const char* kNoNccl =
    "this ganrun was built without NCCL, so a data-parallel group cannot train on GPUs; "
    "rebuild with NCCL (the torch wheel's nvidia-nccl or the system's), or train on --device cpu";

}  // namespace

std::unique_ptr<GroupCollectives> make_nccl_collectives(const ProcessGroup& group,
                                                        torch::Device device) {
#ifdef GANRUN_HAVE_NCCL
  if (const auto error = shared_gpu_error(group, device); !error.empty())
    throw std::runtime_error(error);
  return std::make_unique<NcclCollectives>(group, device);
#else
  (void)group;
  (void)device;
  throw std::runtime_error(kNoNccl);
#endif
}

std::string shared_gpu_error(const ProcessGroup& group, torch::Device device) {
#ifdef GANRUN_HAVE_NCCL
  constexpr int kWidth = 256;  // fixed-width rows for MPI_Allgather
  std::array<char, kWidth> mine{};
  const std::string id = gpu_identity(device);
  std::strncpy(mine.data(), id.c_str(), kWidth - 1);
  std::vector<char> all(static_cast<size_t>(kWidth) * group.size);
  MPI_CHECK(MPI_Allgather(mine.data(), kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, group.comm));
  for (int a = 0; a < group.size; ++a)
    for (int b = a + 1; b < group.size; ++b)
      if (std::strncmp(&all[a * kWidth], &all[b * kWidth], kWidth) == 0)
        return "ranks " + std::to_string(a) + " and " + std::to_string(b) +
               " of a data-parallel group share the GPU " + std::string(&all[a * kWidth]) +
               " (NCCL needs one GPU per rank of a run); start at most one rank per GPU for "
               "data-parallel runs (ranks_per_run / --data-parallel), or share GPUs only for "
               "sweeps of single-rank runs";
  return "";
#else
  (void)group;
  (void)device;
  return kNoNccl;
#endif
}

NcclVersions nccl_versions() {
#ifdef GANRUN_HAVE_NCCL
  NcclVersions v;
  v.compiled = NCCL_VERSION_CODE;
  NCCLCHECK(ncclGetVersion(&v.loaded));
  return v;
#else
  return {};
#endif
}

}  // namespace ganrun::launch
