// data/pack_row_reader.h — reads chosen rows of an HDF5 pack (layout in hdf5_pack.h) on
// demand, for sets larger than a rank's memory budget: one hyperslab read per contiguous run
// of the requested rows. Uncompressed chunks are read row by row, bypassing HDF5's chunk
// cache; compressed ones go through a cache of a few chunks. Validates the file when opened
// (DataError, as read_pack does). Not thread-safe: one reader per thread.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "data/hdf5_pack.h"  // PackInfo

namespace ganrun::data {

class PackRowReader {
 public:
  explicit PackRowReader(const std::filesystem::path& file);
  ~PackRowReader();
  PackRowReader(const PackRowReader&) = delete;
  PackRowReader& operator=(const PackRowReader&) = delete;

  const PackInfo& info() const { return info_; }
  // indices: int64 [k] (any order, duplicates allowed) -> uint8 [k, C, H, W] in that order,
  // and the matching int64 labels.
  torch::Tensor read_images(const torch::Tensor& indices);
  torch::Tensor read_labels(const torch::Tensor& indices);
  // The image rows fetched from the file so far (distinct rows per call), for tests and
  // benchmarks.
  int64_t rows_read() const { return rows_read_; }

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
  PackInfo info_;
  int64_t rows_read_ = 0;
};

}  // namespace ganrun::data
