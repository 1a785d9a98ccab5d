// data/hdf5_pack.h — ganrun's HDF5 pack of an image data set: one file, the fast path on
// cluster file systems (each rank reads only the rows it trains on). Layout:
//   /images  uint8 [N, C, H, W], chunked by rows (kPackChunkRows images per chunk)
//   /labels  int64 [N]
//   attrs    format = "ganrun-pack-v1", dataset (e.g. "mnist"), split, source (the folder or
//            files it was packed from), class_names (one string, names joined by '\n'),
//            images_sha256 / labels_sha256 (of the raw bytes of /images and /labels)
// Validation (missing datasets, wrong dtype or rank, shape mismatch between images and
// labels, bad format attr) throws DataError naming the file and what was expected.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "data/dataset.h"

namespace ganrun::data {

inline constexpr int64_t kPackChunkRows = 256;

struct PackInfo {
  std::string dataset;
  std::string split;
  std::string source;
  int64_t n = 0, c = 0, h = 0, w = 0;
  std::vector<std::string> class_names;
  std::string images_sha256, labels_sha256;
};

// Writes atomically (temporary file in the same folder + rename). Fills the checksums.
void write_pack(const Dataset& dataset, const std::string& source,
                const std::filesystem::path& out);

// Reads and validates the header only (cheap): attrs and shapes.
PackInfo read_pack_info(const std::filesystem::path& file);

// The whole pack in memory; with verify, recomputes the checksums and throws on mismatch.
Dataset read_pack(const std::filesystem::path& file, bool verify = false);

// Reads chosen rows on demand (one hyperslab read per contiguous run of rows; uncompressed
// chunks are read row by row, bypassing HDF5's chunk cache, compressed ones through a cache of
// a few chunks). rows_read() counts the image rows fetched from the file (distinct rows per
// call), for tests and benchmarks.
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
  int64_t rows_read() const { return rows_read_; }

 private:
  struct Handles;
  std::unique_ptr<Handles> h_;
  PackInfo info_;
  int64_t rows_read_ = 0;
};

}  // namespace ganrun::data
