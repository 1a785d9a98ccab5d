// data/idx_reader.h — MNIST-family IDX files (images idx3 + labels idx1), gzip or raw.
// Validates everything up front (magic, dimensions, sizes vs file length, truncated gzip,
// label range, image/label counts, missing companion file) and throws DataError naming the file.
#pragma once

#include <filesystem>
#include <string>

#include "data/dataset.h"

namespace ganrun::data {

// Reads `<dir>/<prefix>-images-idx3-ubyte[.gz]` and `<dir>/<prefix>-labels-idx1-ubyte[.gz]`,
// prefix "train" or "t10k". Images uint8 [N,1,28,28] (rows x cols from the header), labels int64.
Dataset read_idx_pair(const std::filesystem::path& dir, const std::string& prefix);

}  // namespace ganrun::data
