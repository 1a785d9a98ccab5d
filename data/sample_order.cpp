// data/sample_order.cpp — per-epoch permutations keyed by (seed, epoch) (see header).
#include "data/sample_order.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/randperm.h>      // at::randperm

#include <stdexcept>
#include <string>

namespace ganrun::data {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr uint64_t kDataOrderPurpose = 0x0D47A0;  // distinguishes order draws from model draws

}  // namespace

SampleOrder::SampleOrder(int64_t dataset_size, int64_t global_batch, uint64_t seed)
    : size_(dataset_size), batch_(global_batch), batches_per_epoch_(0), seed_(seed) {
  if (global_batch < 1) throw std::invalid_argument("batch must be >= 1");
  batches_per_epoch_ = dataset_size / global_batch;
  if (batches_per_epoch_ == 0)
    throw std::invalid_argument("batch " + std::to_string(global_batch) + " is larger than the " +
                                std::to_string(dataset_size) + " samples of the data set");
}

torch::Tensor SampleOrder::epoch_permutation(int64_t epoch) const {
  const uint64_t key =
      splitmix64(splitmix64(splitmix64(seed_) ^ static_cast<uint64_t>(epoch)) ^ kDataOrderPurpose);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(key);
  return at::randperm(size_, gen, torch::TensorOptions().dtype(torch::kInt64));
}

torch::Tensor SampleOrder::indices(int64_t epoch, int64_t batch_in_epoch, int64_t offset,
                                   int64_t count) {
  if (batch_in_epoch < 0 || batch_in_epoch >= batches_per_epoch_)
    throw std::out_of_range("batch index outside the epoch");
  if (offset < 0 || count < 0 || offset + count > batch_)
    throw std::out_of_range("slice outside the global batch");
  if (epoch != cached_epoch_) {
    cached_ = epoch_permutation(epoch);
    cached_epoch_ = epoch;
  }
  return cached_.narrow(0, batch_in_epoch * batch_ + offset, count);
}

}  // namespace ganrun::data
