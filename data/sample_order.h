// data/sample_order.h — the one sample order (ARCHITECTURE.md "One sample order").
// Epoch e's order is a permutation of [0, N) derived from (seed, e) alone. Global batch b of an
// epoch is positions [b*batch, (b+1)*batch) of that order; a process holding slice
// [offset, offset+count) of the global batch takes those positions of it. The remainder of an
// epoch (N mod batch samples) is dropped. Identical in every process that asks.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace ganrun::data {

class SampleOrder {
 public:
  SampleOrder(int64_t dataset_size, int64_t global_batch, uint64_t seed);

  int64_t batches_per_epoch() const { return batches_per_epoch_; }
  // Indices (int64, CPU) of rows [offset, offset+count) of global batch `batch_in_epoch` of
  // epoch `epoch`.
  torch::Tensor indices(int64_t epoch, int64_t batch_in_epoch, int64_t offset, int64_t count);
  // The whole permutation of an epoch (tests, tools).
  torch::Tensor epoch_permutation(int64_t epoch) const;

 private:
  int64_t size_, batch_, batches_per_epoch_;
  uint64_t seed_;
  int64_t cached_epoch_ = -1;
  torch::Tensor cached_;
};

}  // namespace ganrun::data
