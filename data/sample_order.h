// data/sample_order.h — the one sample order (ARCHITECTURE.md "One sample order"): which rows
// of the data set every critic update of a run trains on, and which part of them each rank
// takes. A pure function of (seed, epoch, position): no state to save, nothing replayed.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace ganrun::data {

// The permutation rule. A contract: changing any constant here changes every run's batches.
//
//   splitmix64(x): x += 0x9E3779B97F4A7C15; x = (x ^ x>>30) * 0xBF58476D1CE4E5B9;
//                  x = (x ^ x>>27) * 0x94D049BB133111EB; return x ^ x>>31   (all mod 2^64)
//   epoch_key(seed, e) = splitmix64(splitmix64(splitmix64(seed) ^ 0x0D47A0) ^ e)
//   key(seed, e, i)    = splitmix64(epoch_key(seed, e) ^ splitmix64(i))     for i in [0, N)
//   order(seed, e)     = [0, N) sorted by key ascending, ties broken by the smaller i
//
// Every key is a pure function of its counter i (counter-based: no generator state, no
// dependence on the device, thread count or library version), computed on the CPU in 64-bit
// integers. splitmix64 is a bijection of 2^64, so distinct i have distinct keys and the tie
// rule never fires; it is stated so the rule is total. 0x0D47A0 separates order draws from the
// run's other keyed draws (models/run_random.h). e and i enter as their two's-complement
// uint64 values.
//
// Global batch b of epoch e is positions [b*batch, (b+1)*batch) of order(seed, e), for
// b < floor(N / batch); the last N mod batch positions of each epoch are dropped (never
// trained on that epoch: the next epoch's order is a fresh permutation of all N).
uint64_t splitmix64(uint64_t x);
uint64_t sample_key(uint64_t seed, int64_t epoch, int64_t index);

// Which part of a global batch one rank takes: rank r of k holds the contiguous slice
// [r*batch/k, (r+1)*batch/k) of the global batch, in order, so the ranks' slices concatenate
// to the single-rank batch. batch % ranks != 0, batch < 1, ranks < 1 or rank outside
// [0, ranks) throw std::invalid_argument naming the values.
struct Shard {
  int64_t offset;
  int64_t count;
};
Shard shard_of(int64_t global_batch, int rank, int ranks);

class SampleOrder {
 public:
  // batch > dataset_size (an epoch of zero batches) throws std::invalid_argument.
  SampleOrder(int64_t dataset_size, int64_t global_batch, uint64_t seed);

  int64_t dataset_size() const { return size_; }
  int64_t global_batch() const { return batch_; }
  int64_t batches_per_epoch() const { return batches_per_epoch_; }

  // Indices (int64 [count], CPU, a fresh tensor) at positions [offset, offset+count) of global
  // batch `batch_in_epoch` of epoch `epoch`: the order's positions
  // batch_in_epoch*batch + offset ... Depends only on the arguments, so a fresh SampleOrder
  // asked for (epoch, batch) continues a run exactly. The last epoch's order is cached (one
  // sort per epoch, not per batch); an epoch is < 5 ms for N = 60,000 on one core.
  torch::Tensor indices(int64_t epoch, int64_t batch_in_epoch, int64_t offset, int64_t count);

  // The whole order of an epoch, int64 [N] (tests, tools); not cached.
  torch::Tensor epoch_permutation(int64_t epoch) const;

 private:
  int64_t size_, batch_, batches_per_epoch_;
  uint64_t seed_;
  int64_t cached_epoch_ = -1;
  torch::Tensor cached_;
};

}  // namespace ganrun::data
