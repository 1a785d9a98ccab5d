// launch/mpi_allreduce_backend.h — GroupCollectives over MPI for CPU tensors: MPI_Allreduce
// with MPI_IN_PLACE (MPI_FLOAT / MPI_DOUBLE by dtype) and MPI_Bcast of raw bytes, on the
// group's communicator. Blocking: a call returns with the result in place.
#pragma once

#include <vector>

#include "launch/collectives.h"

namespace ganrun::launch {

class MpiCollectives final : public GroupCollectives {
 public:
  explicit MpiCollectives(const ProcessGroup& group) : group_(group) {}
  void sum_in_place(torch::Tensor& flat) override;
  void broadcast_in_place(torch::Tensor& flat, int root) override;
  const char* backend() const override { return "mpi"; }
  int size() const override { return group_.size; }

 private:
  ProcessGroup group_;
};

// The mean over the group of a few host values (one MPI_Allreduce): metric means at log
// points, so every rank records and judges divergence on the same numbers.
void average_over_group(const ProcessGroup& group, std::vector<double>& values);

}  // namespace ganrun::launch
