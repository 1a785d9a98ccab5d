// data/dataset_catalog.cpp — the catalogue's table and its look-ups (see dataset_catalog.h).
// MD5s are the publishers' own; they guard against corruption, not tampering.
#include "data/dataset_catalog.h"

#include <cstdlib>  // std::getenv
#include <utility>

namespace ganrun::data {
namespace {

constexpr const char* kIdxHint = "IDX files, e.g. train-images-idx3-ubyte.gz";
constexpr const char* kCifarHint = "CIFAR-10 binary batches, e.g. data_batch_1.bin";

// The four files of an IDX set as its publisher serves them, with their MD5s.
std::vector<PublishedFile> idx_files(const char* train_images, const char* train_labels,
                                     const char* test_images, const char* test_labels) {
  return {{"train-images-idx3-ubyte.gz", "train", train_images},
          {"train-labels-idx1-ubyte.gz", "train", train_labels},
          {"t10k-images-idx3-ubyte.gz", "test", test_images},
          {"t10k-labels-idx1-ubyte.gz", "test", test_labels}};
}

DatasetEntry image_set(const char* name, FileLayout layout, std::vector<std::string> class_names,
                       const char* base_url, std::vector<PublishedFile> files) {
  DatasetEntry e;
  e.name = name;
  e.kind = DatasetKind::kImages;
  e.layout = layout;
  // IDX sets are 28x28 grey, CIFAR-10 32x32 colour (the readers check the files against this).
  e.channels = layout == FileLayout::kIdx ? 1 : 3;
  e.height = e.width = layout == FileLayout::kIdx ? 28 : 32;
  e.files_hint = layout == FileLayout::kIdx ? kIdxHint : kCifarHint;
  e.class_names = std::move(class_names);
  e.base_url = base_url;
  e.files = std::move(files);
  return e;
}

DatasetEntry toy_set(const char* name, DatasetKind kind, const char* hint) {
  DatasetEntry e;
  e.name = name;
  e.kind = kind;
  e.files_hint = hint;
  e.channels = 2;  // a point (x, y) as a 2 x 1 x 1 sample
  e.height = e.width = 1;
  return e;
}

std::vector<DatasetEntry> make_catalog() {
  std::vector<DatasetEntry> c;
  // MNIST moved off yann.lecun.com (now often refused); the PyTorch mirror serves the
  // byte-identical files. Its IDX files carry no class names: the digits are the names.
  c.push_back(
      image_set("mnist", FileLayout::kIdx, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
                "https://ossci-datasets.s3.amazonaws.com/mnist/",
                idx_files("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                          "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c")));
  c.push_back(
      image_set("fashion-mnist", FileLayout::kIdx,
                {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"},
                "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                idx_files("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                          "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310")));
  // Debian's dataset-fashion-mnist installs the four files (re-compressed: other MD5s).
  c.back().package = "Debian package";
  c.back().package_folder = "/usr/share/datasets/fashion-mnist";
  c.back().package_install = "apt-get install dataset-fashion-mnist";
  // One archive holding both splits; batches.meta.txt inside names the classes in this order.
  c.push_back(image_set(
      "cifar10", FileLayout::kCifar10Binary,
      {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"},
      "https://www.cs.toronto.edu/~kriz/",
      {{"cifar-10-binary.tar.gz", "", "c32a1d4ab5d03f1284b67883e8d87530"}}));
  for (const char* name : {"toy-ring8", "toy-grid25", "toy-moons", "toy-swissroll"})
    c.push_back(toy_set(name, DatasetKind::kToyGenerated, "generated in code (no files)"));
  c.push_back(toy_set("toy-file", DatasetKind::kToyFile, "a CSV of x,y rows or a .mat file"));
  return c;
}

}  // namespace

const std::vector<DatasetEntry>& dataset_catalog() {
  static const std::vector<DatasetEntry> catalog = make_catalog();
  return catalog;
}

const DatasetEntry* find_dataset(const std::string& name) {
  for (const auto& e : dataset_catalog())
    if (e.name == name) return &e;
  return nullptr;
}

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names =
      dataset_names_if([](const DatasetEntry&) { return true; });
  return names;
}

std::vector<std::string> dataset_names(DatasetKind kind) {
  return dataset_names_if([kind](const DatasetEntry& e) { return e.kind == kind; });
}

std::vector<std::string> dataset_names_if(const std::function<bool(const DatasetEntry&)>& keep) {
  std::vector<std::string> out;
  for (const auto& e : dataset_catalog())
    if (keep(e)) out.push_back(e.name);
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

const DatasetEntry* find_published(const std::string& name) {
  const DatasetEntry* e = find_dataset(name);
  return e != nullptr && !e->files.empty() ? e : nullptr;
}

const PublishedFile* find_published_file(const std::string& dataset, const std::string& file_name) {
  const DatasetEntry* e = find_published(dataset);
  if (e == nullptr) return nullptr;
  for (const auto& f : e->files)
    if (f.name == file_name) return &f;
  return nullptr;
}

std::filesystem::path env_data_dir(const std::string& name) {
  const char* env = std::getenv(kDataEnv);
  if (env == nullptr || *env == '\0') return {};
  return std::filesystem::path(env) / name;
}

std::filesystem::path default_data_dir(const std::string& name) {
  if (auto dir = env_data_dir(name); !dir.empty()) return dir;
  const DatasetEntry* e = find_dataset(name);
  return e != nullptr ? std::filesystem::path(e->package_folder) : std::filesystem::path();
}

}  // namespace ganrun::data
