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
#include <string>
#include <vector>

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

// Writes through common/atomic_file.h (temporary file in the same folder, fsync, rename), so a
// reader sees the old pack or the new one. Fills the checksums. DataError when out's folder
// does not exist; std::runtime_error "<out>: cannot write the pack: <cause>" on a failed write
// (out then holds what it held before).
void write_pack(const Dataset& dataset, const std::string& source,
                const std::filesystem::path& out);

// Reads and validates the header only (cheap): attrs and shapes.
PackInfo read_pack_info(const std::filesystem::path& file);

// The whole pack in memory; with verify, recomputes the checksums and throws on mismatch.
Dataset read_pack(const std::filesystem::path& file, bool verify = false);

// Reading chosen rows on demand (sets larger than memory): PackRowReader, data/pack_row_reader.h.

}  // namespace ganrun::data
