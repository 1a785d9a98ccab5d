// data/dataset_loader.cpp — resolves a data set's name, folder and split to its reader (IDX
// files, CIFAR-10 batches, or an HDF5 pack given as the data path); maps uint8 batches to the
// training range; loads the 2-D toy sets. No sampling order here.
#include "data/dataset_loader.h"

#include <algorithm>  // std::find
#include <cstdlib>    // std::getenv
#include <filesystem>
#include <stdexcept>

#include "data/cifar_reader.h"
#include "data/data_error.h"
#include "data/hdf5_pack.h"
#include "data/idx_reader.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// Where `apt-get install dataset-fashion-mnist` puts the four IDX files.
constexpr const char* kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";
// Environment variable naming a folder that holds one sub-folder per data set.
constexpr const char* kDataEnv = "GANRUN_DATA";
// The folder the official CIFAR-10 tarball unpacks to; accepted one level below the data dir.
constexpr const char* kCifarSubdir = "cifar-10-batches-bin";
// The scale that maps 255 to 2, so x / kHalfRange - 1 spans [-1, 1] (the Tanh output range).
constexpr double kHalfRange = 127.5;
// The scale that maps 255 to 1 (pixel_range "01").
constexpr double kFullRange = 255.0;

std::string known_list() {
  std::string s;
  for (const auto& n : known_dataset_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

bool is_cifar(const std::string& name) { return name == "cifar10"; }

// What the data folder must hold, for messages.
std::string files_hint(const std::string& name) {
  return is_cifar(name) ? "CIFAR-10 binary batches, e.g. data_batch_1.bin"
                        : "IDX files, e.g. train-images-idx3-ubyte.gz";
}

fs::path resolve_dir(const std::string& name, const std::string& data_dir) {
  if (!data_dir.empty()) return data_dir;
  const char* env = std::getenv(kDataEnv);
  if (env != nullptr && *env != '\0') return fs::path(env) / name;
  if (name == "fashion-mnist") return kDebianFashionMnist;
  throw DataError("no data folder for '" + name + "': pass --data-dir DIR (the folder holding " +
                  name + "'s " + files_hint(name) + ") or set " + kDataEnv +
                  " to a folder with a '" + name + "' sub-folder");
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

// The folder holding the CIFAR-10 batches: dir itself, or the tarball's sub-folder inside it.
fs::path cifar_dir(const fs::path& dir) {
  std::error_code ec;
  const fs::path sub = dir / kCifarSubdir;
  if (!fs::exists(dir / "data_batch_1.bin", ec) && !fs::exists(dir / "test_batch.bin", ec) &&
      fs::is_directory(sub, ec)) {
    return sub;
  }
  return dir;
}

}  // namespace

std::filesystem::path resolve_data_dir(const std::string& name, const std::string& data_dir) {
  return resolve_dir(name, data_dir);
}

const std::vector<std::string>& known_dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10"};
  return names;
}

Dataset load_dataset(const std::string& name, const std::string& data_dir,
                     const std::string& split) {
  bool known = false;
  for (const auto& n : known_dataset_names()) known = known || n == name;
  if (!known) {
    throw DataError("unknown data set '" + name + "' (known: " + known_list() + ")");
  }
  if (split != "train" && split != "test") {
    throw DataError("unknown split '" + split + "' for data set '" + name +
                    "' (expected train or test)");
  }
  const fs::path dir = resolve_dir(name, data_dir);
  if (is_pack_path(dir)) return load_pack(name, dir, split);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::string hint = "pass --data-dir with the folder holding " + name + "'s " +
                       (is_cifar(name) ? "CIFAR-10 batches" : "IDX files");
    if (name == "fashion-mnist" && dir == kDebianFashionMnist) {
      hint = "apt-get install dataset-fashion-mnist, or " + hint;
    }
    throw DataError("data folder '" + dir.string() + "' not found (" + hint + ")");
  }
  Dataset ds = is_cifar(name) ? read_cifar10(cifar_dir(dir), split)
                              : read_idx_pair(dir, split == "train" ? "train" : "t10k");
  ds.name = name;
  ds.split = split;
  return ds;
}

bool is_toy_dataset(const std::string& name) {
  const auto& generated = toy_set_names();  // the generated sets; toy-file is read
  return name == "toy-file" ||
         std::find(generated.begin(), generated.end(), name) != generated.end();
}

ToySet load_toy_set(const std::string& name, const std::string& data_dir) {
  if (!is_toy_dataset(name)) {
    std::string known;
    for (const auto& n : toy_set_names()) known += n + ", ";
    known += "toy-file";
    throw DataError("unknown toy data set '" + name + "' (known: " + known + ")");
  }
  if (name != "toy-file") return make_toy_set(name, kDefaultToyPoints, kToyDataSeed);
  if (data_dir.empty())
    throw DataError(
        "toy-file needs the points file: pass --data-dir FILE (a CSV of x,y rows or a .mat "
        "file)");
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
