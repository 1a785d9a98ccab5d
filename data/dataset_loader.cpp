// data/dataset_loader.cpp — resolves a data set's name, folder and split to IDX files and reads
// them with read_idx_pair; maps uint8 batches to the training range. No sampling order here.
#include "data/dataset_loader.h"

#include <cstdlib>  // std::getenv
#include <filesystem>
#include <stdexcept>

#include "data/data_error.h"
#include "data/idx_reader.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// Where `apt-get install dataset-fashion-mnist` puts the four IDX files.
constexpr const char* kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";
// Environment variable naming a folder that holds one sub-folder per data set.
constexpr const char* kDataEnv = "GANRUN_DATA";
// The scale that maps 255 to 2, so x / kHalfRange - 1 spans [-1, 1] (the Tanh output range).
constexpr double kHalfRange = 127.5;

std::string known_list() {
  std::string s;
  for (const auto& n : known_dataset_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

fs::path resolve_dir(const std::string& name, const std::string& data_dir) {
  if (!data_dir.empty()) return data_dir;
  const char* env = std::getenv(kDataEnv);
  if (env != nullptr && *env != '\0') return fs::path(env) / name;
  if (name == "fashion-mnist") return kDebianFashionMnist;
  throw DataError("no data folder for '" + name + "': pass --data-dir DIR (the folder holding " +
                  name + "'s IDX files, e.g. train-images-idx3-ubyte.gz) or set " + kDataEnv +
                  " to a folder with a '" + name + "' sub-folder");
}

}  // namespace

const std::vector<std::string>& known_dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist"};
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
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::string hint = "pass --data-dir with the folder holding " + name + "'s IDX files";
    if (name == "fashion-mnist" && dir == kDebianFashionMnist) {
      hint = "apt-get install dataset-fashion-mnist, or " + hint;
    }
    throw DataError("data folder '" + dir.string() + "' not found (" + hint + ")");
  }
  Dataset ds = read_idx_pair(dir, split == "train" ? "train" : "t10k");
  ds.name = name;
  ds.split = split;
  return ds;
}

torch::Tensor to_training_range(const torch::Tensor& uint8_batch, torch::Dtype dtype) {
  if (uint8_batch.scalar_type() != torch::kUInt8) {
    throw std::invalid_argument(std::string("to_training_range: expected a uint8 batch, got ") +
                                c10::toString(uint8_batch.scalar_type()));
  }
  if (!c10::isFloatingType(dtype)) {
    throw std::invalid_argument(std::string("to_training_range: target dtype ") +
                                c10::toString(dtype) + " is not a floating type");
  }
  return uint8_batch.to(dtype).div_(kHalfRange).sub_(1.0);
}

}  // namespace ganrun::data
