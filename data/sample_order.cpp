// data/sample_order.cpp — the counter-based per-epoch permutation and the shard arithmetic
// (the rule is spelled out in the header).
#include "data/sample_order.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ganrun::data {
namespace {

constexpr uint64_t kDataOrderPurpose = 0x0D47A0;  // separates order keys from model draws

uint64_t epoch_key(uint64_t seed, int64_t epoch) {
  return splitmix64(splitmix64(splitmix64(seed) ^ kDataOrderPurpose) ^
                    static_cast<uint64_t>(epoch));
}

}  // namespace

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t sample_key(uint64_t seed, int64_t epoch, int64_t index) {
  return splitmix64(epoch_key(seed, epoch) ^ splitmix64(static_cast<uint64_t>(index)));
}

Shard shard_of(int64_t global_batch, int rank, int ranks) {
  if (ranks < 1)
    throw std::invalid_argument("shard_of: ranks must be >= 1, got " + std::to_string(ranks));
  if (rank < 0 || rank >= ranks)
    throw std::invalid_argument("shard_of: rank " + std::to_string(rank) + " is outside [0, " +
                                std::to_string(ranks) + ")");
  if (global_batch < 1)
    throw std::invalid_argument("shard_of: batch must be >= 1, got " +
                                std::to_string(global_batch));
  if (global_batch % ranks != 0)
    throw std::invalid_argument("shard_of: batch " + std::to_string(global_batch) +
                                " does not divide among " + std::to_string(ranks) +
                                " ranks; choose a batch that is a multiple of " +
                                std::to_string(ranks));
  const int64_t count = global_batch / ranks;
  return Shard{rank * count, count};
}

SampleOrder::SampleOrder(int64_t dataset_size, int64_t global_batch, uint64_t seed)
    : size_(dataset_size), batch_(global_batch), batches_per_epoch_(0), seed_(seed) {
  if (global_batch < 1)
    throw std::invalid_argument("batch must be >= 1, got " + std::to_string(global_batch));
  batches_per_epoch_ = dataset_size / global_batch;
  if (batches_per_epoch_ == 0)
    throw std::invalid_argument("batch " + std::to_string(global_batch) + " is larger than the " +
                                std::to_string(dataset_size) + " samples of the data set");
}

torch::Tensor SampleOrder::epoch_permutation(int64_t epoch) const {
  const uint64_t ek = epoch_key(seed_, epoch);
  // (key, i) pairs sorted lexicographically: the key order, ties by the smaller i.
  std::vector<std::pair<uint64_t, int64_t>> keyed(static_cast<size_t>(size_));
  for (int64_t i = 0; i < size_; ++i)
    keyed[static_cast<size_t>(i)] = {splitmix64(ek ^ splitmix64(static_cast<uint64_t>(i))), i};
  std::sort(keyed.begin(), keyed.end());
  auto perm = torch::empty({size_}, torch::TensorOptions().dtype(torch::kInt64));
  int64_t* out = perm.data_ptr<int64_t>();
  for (int64_t p = 0; p < size_; ++p) out[p] = keyed[static_cast<size_t>(p)].second;
  return perm;
}

torch::Tensor SampleOrder::indices(int64_t epoch, int64_t batch_in_epoch, int64_t offset,
                                   int64_t count) {
  if (epoch < 0) throw std::out_of_range("epoch " + std::to_string(epoch) + " is negative");
  if (batch_in_epoch < 0 || batch_in_epoch >= batches_per_epoch_)
    throw std::out_of_range("batch " + std::to_string(batch_in_epoch) + " is outside the " +
                            std::to_string(batches_per_epoch_) + " batches of an epoch");
  if (offset < 0 || count < 0 || offset + count > batch_)
    throw std::out_of_range("slice [" + std::to_string(offset) + ", " +
                            std::to_string(offset + count) + ") is outside the global batch of " +
                            std::to_string(batch_));
  if (epoch != cached_epoch_) {
    cached_ = epoch_permutation(epoch);
    cached_epoch_ = epoch;
  }
  // A copy, not a view: a caller writing into its batch indices cannot corrupt the cache.
  return cached_.narrow(0, batch_in_epoch * batch_ + offset, count).clone();
}

}  // namespace ganrun::data
