// data/cifar_reader.h — CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin): records
// of 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32x32). Any subset of
// the train batches may be present. Validates file length (a multiple of 3073) and labels
// (0..9); class names from batches.meta.txt (else the catalogue's official order). Throws
// DataError naming the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ganrun::data {

// split "train": every data_batch_<k>.bin present in dir (k = 1..5, in order; none present is
// an error); "test": test_batch.bin. Images uint8 [N, 3, 32, 32].
Dataset read_cifar10(const std::filesystem::path& dir, const std::string& split);

// The folder the official archive (cifar-10-binary.tar.gz) unpacks its batches into.
inline constexpr const char* kCifarBatchesFolder = "cifar-10-batches-bin";

// The folder CIFAR-10's batches sit in under a data folder: dir itself when it holds
// data_batch_1.bin or test_batch.bin, else dir/cifar-10-batches-bin when that exists, else dir.
std::filesystem::path cifar10_batches_dir(const std::filesystem::path& dir);

// The ten names of batches.meta.txt (one per line, blank lines ignored).
std::vector<std::string> read_cifar10_class_names(const std::filesystem::path& meta_file);

}  // namespace ganrun::data
