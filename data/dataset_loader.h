// data/dataset_loader.h — picks a data set by name ("mnist", "fashion-mnist", "cifar10") and
// split, finds its folder or HDF5 pack (--data-dir, $GANRUN_DATA/<name>, or the Debian
// package), and reads it; the 2-D toy sets ("toy-ring8", ..., "toy-file") by load_toy_set.
// Also the one mapping from stored uint8 pixels to the training range ([-1, 1] or [0, 1]).
// The names and what they mean: data/dataset_catalog.h (dataset_names() lists them all).
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/toy_sets.h"

namespace ganrun::data {

// The names load_dataset accepts (the catalogue's image sets), in the order error messages
// list them.
const std::vector<std::string>& known_dataset_names();

// Where a data set is read from: data_dir when given, else default_data_dir(name)
// ($GANRUN_DATA/<name>, else for fashion-mnist Debian's /usr/share/datasets/fashion-mnist);
// DataError asking for --data-dir when none applies.
std::filesystem::path resolve_data_dir(const std::string& name, const std::string& data_dir);

// Reads data set `name` ("mnist" | "fashion-mnist": IDX files train-* / t10k-*; "cifar10":
// data_batch_*.bin / test_batch.bin, in data_dir or its cifar-10-batches-bin/), or the HDF5 pack
// data_dir names (a path ending in .h5), split "train" or "test". data_dir empty:
// $GANRUN_DATA/<name> when GANRUN_DATA is set, else for fashion-mnist
// /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist), else a DataError
// asking for --data-dir. Any problem is a DataError naming the folder or file.
Dataset load_dataset(const std::string& name, const std::string& data_dir,
                     const std::string& split);

// True for the 2-D toy sets: the generated ones (toy_set_names(): toy-ring8, toy-grid25,
// toy-moons, toy-swissroll) and toy-file.
bool is_toy_dataset(const std::string& name);

// The generated toy sets use one fixed data seed, so every run (whatever its seed) trains on
// the same points; the run's seed still orders them and draws the noise.
inline constexpr uint64_t kToyDataSeed = 0;

// A toy set by name: generated (kDefaultToyPoints points, seed kToyDataSeed; data_dir unused),
// or for toy-file the CSV or .mat file data_dir names (required). DataError for an unknown
// name, a missing data_dir for toy-file, or a bad file (naming it).
ToySet load_toy_set(const std::string& name, const std::string& data_dir);

// uint8 [0, 255] -> the training range in `dtype` (a floating type, normally float32 or
// float64) on the batch's device: pixel_range "pm1" gives [-1, 1] as x / 127.5 - 1 (a tanh
// generator's range), "01" gives [0, 1] as x / 255 (the collection's 2017 code). Throws
// std::invalid_argument for a non-uint8 batch or another pixel_range.
torch::Tensor to_training_range(const torch::Tensor& uint8_batch, torch::Dtype dtype,
                                const std::string& pixel_range = "pm1");

}  // namespace ganrun::data
