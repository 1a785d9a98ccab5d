// launch/gradient_allreduce.h — average gradients across the ranks of one run.
// The gradients are flattened into buckets of about 25 MB (one dtype and device each), one
// collective per bucket (NCCL on CUDA tensors, MPI_Allreduce on CPU tensors), divided by the
// group size and copied back. Knows nothing of GANs: it sees a list of tensors and a
// GroupCollectives.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "launch/collectives.h"

namespace ganrun::launch {

// PyTorch DDP's default bucket: large enough that per-collective latency is amortised, small
// enough that the flat copy stays cheap.
inline constexpr int64_t kDefaultBucketBytes = 25LL << 20;

// Splits `tensors` (in order) into buckets: consecutive indices of one dtype and device whose
// bytes add up to at most `bucket_bytes` (a tensor larger than that is a bucket of its own).
std::vector<std::vector<size_t>> bucket_plan(const std::vector<torch::Tensor>& tensors,
                                             int64_t bucket_bytes);

// Flattens each bucket, runs `reduce` on the flat tensor, copies the result back. The flat copy
// keeps the tensors' own memory layout out of the collectives.
// Used by the gradient average and by the start-of-run broadcast (launch/tensor_broadcast.h).
void for_each_flat_bucket(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes,
                          const std::function<void(torch::Tensor& flat)>& reduce);

class GradientAllreducer {
 public:
  explicit GradientAllreducer(GroupCollectives& collectives,
                              int64_t bucket_bytes = kDefaultBucketBytes)
      : collectives_(collectives), bucket_bytes_(bucket_bytes) {}

  // Replaces each parameter's gradient by its mean over the group (sum / size). Parameters
  // whose gradient is undefined are skipped: the same ones on every rank, since every rank
  // runs the same graph. No host sync on CUDA.
  void average(const std::vector<torch::Tensor>& parameters);

  // For the benchmark: collectives issued, and host seconds spent in them (on CPU the
  // all-reduce itself; on CUDA only the launch).
  int64_t collectives() const { return collectives_issued_; }
  double seconds() const { return seconds_; }
  void reset_counters() { collectives_issued_ = 0, seconds_ = 0.0; }

 private:
  GroupCollectives& collectives_;
  int64_t bucket_bytes_;
  int64_t collectives_issued_ = 0;
  double seconds_ = 0.0;
};

}  // namespace ganrun::launch
