// data/batch_source.h — where a rank's real batches come from. The whole set in memory (on the
// rank's device) when it fits the memory budget, else rows read on demand from an HDF5 pack,
// so data sets larger than a rank's memory still train. Either way a batch is the rows of the
// given indices (the one sample order decides which), in that order.
// 2-D toy sets are a third kind: points (float64 [k, 2]) instead of images.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "data/dataset.h"
#include "data/toy_sets.h"

namespace ganrun::data {

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual int64_t size() const = 0;
  virtual int64_t channels() const = 0;
  virtual int64_t height() const = 0;
  virtual int64_t width() const = 0;
  // uint8 [k, C, H, W] and int64 [k] on `device`, rows `indices` (int64 [k], CPU) in order.
  virtual torch::Tensor images(const torch::Tensor& indices, torch::Device device) = 0;
  virtual torch::Tensor labels(const torch::Tensor& indices, torch::Device device) = 0;
  // Image rows read from storage so far (0 for the in-memory source after loading).
  virtual int64_t rows_read() const = 0;

  // The 2-D toy set behind a points source (its centres and sigma score the samples), else
  // nullptr. A points source serves points(), not images().
  virtual const ToySet* toy_set() const { return nullptr; }
  bool is_points() const { return toy_set() != nullptr; }
  // float64 [k, 2] on `device`, rows `indices` in order; only for a points source (else throws
  // std::logic_error).
  virtual torch::Tensor points(const torch::Tensor& indices, torch::Device device);
};

// Default budget: 4 GiB per rank, overridable by the `memory_budget` setting.
inline constexpr int64_t kDefaultMemoryBudgetBytes = int64_t{4} << 30;

std::unique_ptr<BatchSource> make_in_memory_source(Dataset dataset, torch::Device device);
std::unique_ptr<BatchSource> make_pack_source(const std::filesystem::path& pack);

// A 2-D toy set held on `device`: size N, shape 2 x 1 x 1 (the toy architecture's data shape),
// labels all 0, images() refused.
std::unique_ptr<BatchSource> make_toy_source(ToySet set, torch::Device device);

// The in-memory source when the pack's images fit `budget_bytes`, else the on-demand one.
std::unique_ptr<BatchSource> open_pack_source(const std::filesystem::path& pack,
                                              int64_t budget_bytes, torch::Device device);

}  // namespace ganrun::data
