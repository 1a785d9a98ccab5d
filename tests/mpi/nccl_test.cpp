// tests/mpi/nccl_test.cpp — the NCCL backend (label gpu), under mpiexec -n 1 and -n 2:
// the nccl.h ganrun compiled against is the libnccl the process loaded (checked without a GPU
// too), and with one GPU per rank the bucketed gradient average and the root broadcast over
// NCCL give the MPI backend's results on the same values. Exits 77 (ctest: skipped) with a
// message when fewer GPUs than ranks are visible.
#include <ATen/Parallel.h>
#include <mpi.h>
#include <torch/cuda.h>  // torch::cuda::device_count

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "launch/gradient_allreduce.h"
#include "launch/mpi_session.h"
#include "launch/nccl_backend.h"
#include "launch/tensor_broadcast.h"
#include "tests/support/skip_log.h"

namespace {

using namespace ganrun;

// The same gradients on every backend: rank r holds sin((r + 1) * [1 .. n]) in float64 and
// float32 tensors of a few shapes (two buckets of 4 KiB).
std::vector<torch::Tensor> gradients(int rank, torch::Device device) {
  std::vector<torch::Tensor> params;
  for (int64_t n : {300, 200, 700}) {
    const auto dtype = n == 200 ? torch::kFloat32 : torch::kFloat64;
    auto p = torch::zeros({n}, torch::TensorOptions().dtype(dtype).device(device));
    p.requires_grad_(true);
    p.mutable_grad() = torch::sin((rank + 1) * torch::arange(1, n + 1, torch::kFloat64))
                           .to(torch::TensorOptions().dtype(dtype).device(device));
    params.push_back(p);
  }
  return params;
}

int run(const launch::MpiSession& mpi) {
  const auto versions = launch::nccl_versions();
  if (versions.compiled != versions.loaded) {
    std::fprintf(stderr, "rank %d: FAILED: nccl.h %d but libnccl %d loaded\n", mpi.rank(),
                 versions.compiled, versions.loaded);
    return 1;
  }
  const int gpus = static_cast<int>(torch::cuda::device_count());
  if (mpi.allreduce_min(gpus) < mpi.size()) {
    if (mpi.is_root()) {
      const std::string reason = std::to_string(mpi.size()) + " rank(s) need as many GPUs, " +
                                 std::to_string(gpus) + " visible (NCCL " +
                                 std::to_string(versions.loaded) + ")";
      std::printf("nccl_test: skipped: %s\n", reason.c_str());
      test::record_skip("NCCL all-reduce and broadcast vs the MPI backend", reason);
    }
    return test::kSkipExitCode;
  }
  const launch::ProcessGroup world{MPI_COMM_WORLD, mpi.rank(), mpi.size(), 0};
  const torch::Device gpu(torch::kCUDA, static_cast<c10::DeviceIndex>(mpi.rank()));
  auto nccl = launch::make_collectives(world, gpu);
  auto mpi_backend = launch::make_collectives(world, torch::kCPU);
  auto on_gpu = gradients(mpi.rank(), gpu);
  auto on_cpu = gradients(mpi.rank(), torch::kCPU);
  launch::GradientAllreducer(*nccl, 4096).average(on_gpu);
  launch::GradientAllreducer(*mpi_backend, 4096).average(on_cpu);
  int failed = 0;
  for (size_t i = 0; i < on_gpu.size(); ++i) {
    const auto got = on_gpu[i].grad().to(torch::kCPU);
    const double tol = got.scalar_type() == torch::kFloat32 ? 1e-6 : 1e-14;
    if (!torch::allclose(got, on_cpu[i].grad(), 0, tol)) {
      std::fprintf(stderr, "rank %d: FAILED: NCCL average of gradient %zu differs from MPI's\n",
                   mpi.rank(), i);
      ++failed;
    }
  }
  std::vector<torch::Tensor> state{
      torch::full({5}, mpi.is_root() ? 2.5 : -1.0, torch::TensorOptions().device(gpu))};
  launch::broadcast_from_root(*nccl, state);
  if (!torch::equal(state[0].cpu(), torch::full({5}, 2.5))) {
    std::fprintf(stderr, "rank %d: FAILED: NCCL broadcast\n", mpi.rank());
    ++failed;
  }
  failed = mpi.allreduce_max(failed);
  if (mpi.is_root())
    std::printf("nccl_test: %d rank(s), NCCL %d: %s\n", mpi.size(), versions.loaded,
                failed ? "FAILED" : "passed");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  launch::MpiSession mpi(&argc, &argv);
  at::set_num_threads(1);
  int code = 1;
  try {
    code = run(mpi);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: FAILED: %s\n", mpi.rank(), e.what());
  }
  return mpi.allreduce_max(code);
}
