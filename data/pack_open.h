// data/pack_open.h — opening a pack file and validating it up front: the format attr, /images
// and /labels (dtype, rank, matching counts), the string attrs into a PackInfo; and the label
// range check. Shared by the whole-pack reader (hdf5_pack.cpp) and the row reader
// (pack_row_reader.cpp); internal to data/ (it exposes HDF5 handles).
#pragma once

#include <torch/types.h>

#include <filesystem>

#include "data/h5_check.h"  // h5::Hid
#include "data/hdf5_pack.h"

namespace ganrun::data {

// The value of a pack's format attr.
inline constexpr const char* kPackFormat = "ganrun-pack-v1";

// An open, validated pack: the file, its two datasets, and what its attrs and shapes say.
struct OpenPack {
  h5::Hid file, images, labels;
  PackInfo info;
};

// DataError naming the file and what was expected for anything that is not a valid pack.
OpenPack open_pack(const std::filesystem::path& path);

// Labels must be >= 0, and below the class count where the pack names its classes. `rows`
// gives the file row of each label for the message (undefined: label i is row i).
void check_labels(const torch::Tensor& labels, const torch::Tensor& rows, const PackInfo& info,
                  const std::filesystem::path& path);

}  // namespace ganrun::data
