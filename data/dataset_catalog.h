// data/dataset_catalog.h — what ganrun knows about each data set, by name: its kind (labelled
// images in files, 2-D points generated in code, 2-D points from a file), the layout of its
// files, its class names, where it is looked for when no folder is given ($GANRUN_DATA/<name>,
// a distribution package's folder), and the files its publisher serves with their MD5s. The
// one place these facts are written: the readers, fetch, verify and the `ganrun data` commands
// look them up here. No file I/O; default_data_dir reads the environment.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ganrun::data {

enum class DatasetKind {
  kImages,        // labelled images from files (IDX, CIFAR-10 batches) or an HDF5 pack
  kToyGenerated,  // 2-D points generated in code (data/toy_sets.h)
  kToyFile,       // 2-D points read from a CSV or MATLAB .mat file
};

// How an image set's folder is laid out (kNone for the toy sets).
enum class FileLayout {
  kNone,
  kIdx,            // train-/t10k- images-idx3 and labels-idx1 files, gzip or raw
  kCifar10Binary,  // data_batch_<k>.bin and test_batch.bin, maybe under cifar-10-batches-bin/
};

struct PublishedFile {
  std::string name;   // file name under the base URL, e.g. "t10k-images-idx3-ubyte.gz"
  std::string split;  // "train" | "test" | "" (an archive holding both)
  std::string md5;    // as the publisher lists it, lower-case hex
};

struct DatasetEntry {
  std::string name;  // "mnist", "toy-ring8", ...
  DatasetKind kind = DatasetKind::kImages;
  FileLayout layout = FileLayout::kNone;
  std::string files_hint;                // what its folder (or file) holds, for messages
  std::vector<std::string> class_names;  // label -> name as the publisher gives them
  // One sample's shape as the loop feeds it: images C x H x W, toy points 2 x 1 x 1.
  int64_t channels = 0, height = 0, width = 0;
  std::string package;               // a distribution package holding it, or ""
  std::string package_folder;        // where that package installs it
  std::string package_install;       // the command that installs that package
  std::string base_url;              // the publisher's, ends with '/'; "" when none
  std::vector<PublishedFile> files;  // what base_url serves (empty when none)
};

// The environment variable naming a folder with one sub-folder per data set.
inline constexpr const char* kDataEnv = "GANRUN_DATA";

// Every data set, in the order listings and messages give them: the image sets (mnist,
// fashion-mnist, cifar10), the generated toy sets, toy-file.
const std::vector<DatasetEntry>& dataset_catalog();

// nullptr when `name` is no data set.
const DatasetEntry* find_dataset(const std::string& name);

// Every name, in catalogue order: for validating a `dataset` setting and for help texts.
const std::vector<std::string>& dataset_names();

// The names of one kind, in catalogue order.
std::vector<std::string> dataset_names(DatasetKind kind);

// The names of the entries `keep` accepts, in catalogue order.
std::vector<std::string> dataset_names_if(const std::function<bool(const DatasetEntry&)>& keep);

// "a, b, c", for "(known: ...)" messages.
std::string join_names(const std::vector<std::string>& names);

// The entry of a set whose publisher serves files (mnist, fashion-mnist, cifar10), or nullptr.
const DatasetEntry* find_published(const std::string& name);

// The published entry of `file_name` in data set `dataset`, or nullptr.
const PublishedFile* find_published_file(const std::string& dataset, const std::string& file_name);

// $GANRUN_DATA/<name> when GANRUN_DATA is set and not empty, else "".
std::filesystem::path env_data_dir(const std::string& name);

// The folder a set is read from when no folder is given: env_data_dir(name), else the set's
// package folder (fashion-mnist: Debian's), else "".
std::filesystem::path default_data_dir(const std::string& name);

}  // namespace ganrun::data
