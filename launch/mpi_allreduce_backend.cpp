// launch/mpi_allreduce_backend.cpp — MPI_Allreduce / MPI_Bcast on CPU tensors (see header).
#include "launch/mpi_allreduce_backend.h"

#include <mpi.h>  // MPI_Allreduce, MPI_Bcast

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>  // std::pair

#include "launch/mpi_check.h"

namespace ganrun::launch {
namespace {

// The dtypes the sum supports and their MPI types.
MPI_Datatype mpi_type(torch::ScalarType t) {
  const std::pair<torch::ScalarType, MPI_Datatype> types[] = {
      {torch::kFloat32, MPI_FLOAT}, {torch::kFloat64, MPI_DOUBLE}, {torch::kInt64, MPI_INT64_T}};
  for (const auto& [dtype, type] : types)
    if (dtype == t) return type;
  throw std::invalid_argument(std::string("MPI sum of a ") + c10::toString(t) +
                              " tensor is not supported (float32, float64, int64)");
}

void check_flat_cpu(const torch::Tensor& flat) {
  if (!flat.device().is_cpu() || !flat.is_contiguous())
    throw std::invalid_argument("MPI collectives need a contiguous CPU tensor");
}

// MPI counts are int: a larger tensor goes in pieces of at most INT_MAX elements.
constexpr int64_t kMaxCount = INT_MAX;

}  // namespace

void MpiCollectives::sum_in_place(torch::Tensor& flat) {
  check_flat_cpu(flat);
  if (group_.size == 1) return;
  const MPI_Datatype type = mpi_type(flat.scalar_type());
  auto* base = static_cast<char*>(flat.data_ptr());
  const int64_t item = flat.element_size();
  for (int64_t done = 0; done < flat.numel();) {
    const int64_t count = std::min(kMaxCount, flat.numel() - done);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, base + done * item, static_cast<int>(count), type,
                            MPI_SUM, group_.comm));
    done += count;
  }
}

void MpiCollectives::broadcast_in_place(torch::Tensor& flat, int root) {
  check_flat_cpu(flat);
  if (group_.size == 1) return;
  auto* base = static_cast<char*>(flat.data_ptr());
  const int64_t bytes = flat.numel() * flat.element_size();
  for (int64_t done = 0; done < bytes;) {
    const int64_t count = std::min(kMaxCount, bytes - done);
    MPI_CHECK(MPI_Bcast(base + done, static_cast<int>(count), MPI_BYTE, root, group_.comm));
    done += count;
  }
}

void average_over_group(const ProcessGroup& group, std::vector<double>& values) {
  if (group.size == 1 || values.empty()) return;
  MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                          MPI_SUM, group.comm));
  for (auto& v : values) v /= group.size;
}

}  // namespace ganrun::launch
