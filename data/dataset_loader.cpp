// data/dataset_loader.cpp — resolves a data set's name, folder and split to its reader (IDX
// files, CIFAR-10 batches, or an HDF5 pack given as the data path); maps uint8 batches to the
// training range; loads the 2-D toy sets. What each name means (kind, layout, default folder)
// comes from dataset_catalog.h. No sampling order here.
#include "data/dataset_loader.h"

#include <filesystem>
#include <stdexcept>

#include "data/cifar_reader.h"
#include "data/data_error.h"
#include "data/dataset_catalog.h"
#include "data/hdf5_pack.h"
#include "data/idx_reader.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// The scale that maps 255 to 2, so x / kHalfRange - 1 spans [-1, 1] (the Tanh output range).
constexpr double kHalfRange = 127.5;
// The scale that maps 255 to 1 (pixel_range "01").
constexpr double kFullRange = 255.0;

// The catalogue entry of an image set; DataError naming the known ones otherwise.
const DatasetEntry& image_set(const std::string& name) {
  const DatasetEntry* e = find_dataset(name);
  const std::string known = " (known: " + join_names(known_dataset_names()) + ")";
  if (e == nullptr) throw DataError("unknown data set '" + name + "'" + known);
  if (e->kind != DatasetKind::kImages)
    throw DataError("'" + name + "' is a 2-D toy set, not an image set" + known);
  return *e;
}

// A data path naming an HDF5 pack rather than a folder (a missing one too: read_pack then says
// "pack file not found", which is the better message).
bool is_pack_path(const fs::path& p) {
  std::error_code ec;
  return p.extension() == ".h5" && !fs::is_directory(p, ec);
}

Dataset load_pack(const std::string& name, const fs::path& file, const std::string& split) {
  Dataset ds = read_pack(file);
  if (ds.name != name) {
    throw DataError(file.string() + ": pack holds data set '" + ds.name + "', but '" + name +
                    "' was asked for (pass the pack of " + name + ", or --dataset " + ds.name +
                    ")");
  }
  if (ds.split != split) {
    throw DataError(file.string() + ": pack holds split '" + ds.split + "', but split '" + split +
                    "' was asked for (pack the " + split + " split, or ask for split " + ds.split +
                    ")");
  }
  return ds;
}

}  // namespace

std::filesystem::path resolve_data_dir(const std::string& name, const std::string& data_dir) {
  if (!data_dir.empty()) return data_dir;
  const fs::path dir = default_data_dir(name);
  if (!dir.empty()) return dir;
  const std::string hint = find_dataset(name) != nullptr ? find_dataset(name)->files_hint : "files";
  throw DataError("no data folder for '" + name + "': pass --data-dir DIR (the folder holding " +
                  name + "'s " + hint + ") or set " + kDataEnv + " to a folder with a '" + name +
                  "' sub-folder");
}

const std::vector<std::string>& known_dataset_names() {
  static const std::vector<std::string> names = dataset_names(DatasetKind::kImages);
  return names;
}

Dataset load_dataset(const std::string& name, const std::string& data_dir,
                     const std::string& split) {
  const DatasetEntry& set = image_set(name);
  if (split != "train" && split != "test") {
    throw DataError("unknown split '" + split + "' for data set '" + name +
                    "' (expected train or test)");
  }
  const fs::path dir = resolve_data_dir(name, data_dir);
  if (is_pack_path(dir)) return load_pack(name, dir, split);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::string hint = "pass --data-dir with the folder holding " + name + "'s " + set.files_hint;
    if (!set.package_folder.empty() && dir == set.package_folder)
      hint = set.package_install + ", or " + hint;
    throw DataError("data folder '" + dir.string() + "' not found (" + hint + ")");
  }
  Dataset ds = set.layout == FileLayout::kCifar10Binary
                   ? read_cifar10(cifar10_batches_dir(dir), split)
                   : read_idx_pair(dir, split == "train" ? "train" : "t10k");
  ds.name = name;
  ds.split = split;
  return ds;
}

bool is_toy_dataset(const std::string& name) {
  const DatasetEntry* e = find_dataset(name);
  return e != nullptr && e->kind != DatasetKind::kImages;
}

ToySet load_toy_set(const std::string& name, const std::string& data_dir) {
  const DatasetEntry* e = find_dataset(name);
  if (!is_toy_dataset(name)) {
    std::vector<std::string> toys = toy_set_names();
    for (const auto& n : dataset_names(DatasetKind::kToyFile)) toys.push_back(n);
    throw DataError("unknown toy data set '" + name + "' (known: " + join_names(toys) + ")");
  }
  if (e->kind == DatasetKind::kToyGenerated)
    return make_toy_set(name, kDefaultToyPoints, kToyDataSeed);
  if (data_dir.empty())
    throw DataError(name + " needs the points file: pass --data-dir FILE (" + e->files_hint + ")");
  return read_toy_file(data_dir);
}

torch::Tensor to_training_range(const torch::Tensor& uint8_batch, torch::Dtype dtype,
                                const std::string& pixel_range) {
  if (uint8_batch.scalar_type() != torch::kUInt8) {
    throw std::invalid_argument(std::string("to_training_range: expected a uint8 batch, got ") +
                                c10::toString(uint8_batch.scalar_type()));
  }
  if (!c10::isFloatingType(dtype)) {
    throw std::invalid_argument(std::string("to_training_range: target dtype ") +
                                c10::toString(dtype) + " is not a floating type");
  }
  if (pixel_range == "01") return uint8_batch.to(dtype).div_(kFullRange);
  if (pixel_range != "pm1")
    throw std::invalid_argument("to_training_range: pixel_range '" + pixel_range +
                                "' is not pm1 or 01");
  return uint8_batch.to(dtype).div_(kHalfRange).sub_(1.0);
}

}  // namespace ganrun::data
