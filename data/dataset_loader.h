// data/dataset_loader.h — picks a data set by name ("mnist", "fashion-mnist", "cifar10") and
// split, finds its folder or HDF5 pack (--data-dir, $GANRUN_DATA/<name>, or the Debian
// package), and reads it.
// Also the one mapping from stored uint8 pixels to the training range [-1, 1].
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ganrun::data {

// The names load_dataset accepts, in the order error messages list them.
const std::vector<std::string>& known_dataset_names();

// Where a data set is read from: data_dir when given, else $GANRUN_DATA/<name>, else (for
// fashion-mnist) Debian's /usr/share/datasets/fashion-mnist; DataError when none applies.
std::filesystem::path resolve_data_dir(const std::string& name, const std::string& data_dir);

// Reads data set `name` ("mnist" | "fashion-mnist": IDX files train-* / t10k-*; "cifar10":
// data_batch_*.bin / test_batch.bin, in data_dir or its cifar-10-batches-bin/), or the HDF5 pack
// data_dir names (a path ending in .h5), split "train" or "test". data_dir empty:
// $GANRUN_DATA/<name> when GANRUN_DATA is set, else for fashion-mnist
// /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist), else a DataError
// asking for --data-dir. Any problem is a DataError naming the folder or file.
Dataset load_dataset(const std::string& name, const std::string& data_dir,
                     const std::string& split);

// uint8 [0, 255] -> [-1, 1] as x / 127.5 - 1, computed in `dtype` (a floating type, normally
// float32 or float64) on the batch's device. Throws std::invalid_argument for a non-uint8 batch.
torch::Tensor to_training_range(const torch::Tensor& uint8_batch, torch::Dtype dtype);

}  // namespace ganrun::data
