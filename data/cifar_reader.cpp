// data/cifar_reader.cpp — reads CIFAR-10 binary batches into uint8 [N, 3, 32, 32] + int64 labels.
// Every file's length and every label is checked before a tensor is returned; any problem is a
// DataError naming the file. Class names come from batches.meta.txt. Also where the batches
// sit under a data folder.
#include "data/cifar_reader.h"

#include <ATen/ATen.h>  // at::cat

#include <cerrno>
#include <cstdint>
#include <cstring>  // std::strerror
#include <fstream>
#include <system_error>
#include <vector>

#include "data/data_error.h"
#include "data/dataset_catalog.h"  // find_dataset: the official class names

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kChannels = 3;
constexpr int64_t kSide = 32;
constexpr int64_t kPixelBytes = kChannels * kSide * kSide;  // 3072: 1024 R, 1024 G, 1024 B
constexpr int64_t kRecordBytes = 1 + kPixelBytes;           // 3073: the label byte first
constexpr int64_t kNumClasses = 10;
constexpr int kTrainBatches = 5;  // data_batch_1.bin .. data_batch_5.bin
constexpr const char* kTestBatch = "test_batch.bin";
constexpr const char* kMetaFile = "batches.meta.txt";

struct Batch {
  torch::Tensor images;  // uint8 [n, 3, 32, 32]
  torch::Tensor labels;  // int64 [n]
};

Batch read_batch(const fs::path& path) {
  std::error_code ec;
  const uintmax_t length = fs::file_size(path, ec);
  if (ec) throw DataError(path.string() + ": cannot read its size (" + ec.message() + ")");
  if (length == 0 || length % kRecordBytes != 0) {
    throw DataError(path.string() + ": length " + std::to_string(length) +
                    (length == 0 ? " holds no record" : " is not a multiple of 3073") +
                    " (1 label byte + 3072 pixel bytes per CIFAR-10 record)");
  }
  const auto n = static_cast<int64_t>(length / kRecordBytes);
  torch::Tensor raw = torch::empty({n, kRecordBytes}, torch::kUInt8);

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw DataError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  }
  in.read(reinterpret_cast<char*>(raw.data_ptr<uint8_t>()), static_cast<std::streamsize>(length));
  if (static_cast<uintmax_t>(in.gcount()) != length) {
    throw DataError(path.string() + ": read " + std::to_string(in.gcount()) + " of " +
                    std::to_string(length) + " bytes (file changed or unreadable)");
  }

  const uint8_t* bytes = raw.data_ptr<uint8_t>();
  for (int64_t r = 0; r < n; ++r) {
    const uint8_t label = bytes[r * kRecordBytes];
    if (label >= kNumClasses) {
      throw DataError(path.string() + ": label " + std::to_string(label) + " at index " +
                      std::to_string(r) + " is outside 0.." + std::to_string(kNumClasses - 1));
    }
  }
  // Record r: byte 0 the label, bytes 1..3072 the planes R, G, B, each row-major 32x32.
  Batch b;
  b.labels = raw.select(1, 0).to(torch::kInt64);
  b.images = raw.narrow(1, 1, kPixelBytes).reshape({n, kChannels, kSide, kSide}).contiguous();
  return b;
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

}  // namespace

std::vector<std::string> read_cifar10_class_names(const std::filesystem::path& meta_file) {
  std::ifstream in(meta_file);
  if (!in) {
    throw DataError(meta_file.string() + ": cannot open (" + std::strerror(errno) + ")");
  }
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    std::string name = trim(line);
    if (!name.empty()) names.push_back(std::move(name));
  }
  if (static_cast<int64_t>(names.size()) != kNumClasses) {
    throw DataError(meta_file.string() + ": " + std::to_string(names.size()) +
                    " class names, expected 10 (one per line, in label order 0..9)");
  }
  return names;
}

Dataset read_cifar10(const std::filesystem::path& dir, const std::string& split) {
  std::vector<fs::path> files;
  if (split == "train") {
    for (int k = 1; k <= kTrainBatches; ++k) {
      const fs::path p = dir / ("data_batch_" + std::to_string(k) + ".bin");
      std::error_code ec;
      if (fs::is_regular_file(p, ec)) files.push_back(p);
    }
    if (files.empty()) {
      throw DataError("no CIFAR-10 batches in " + dir.string() +
                      " (looked for data_batch_1.bin .. data_batch_5.bin)");
    }
  } else if (split == "test") {
    const fs::path p = dir / kTestBatch;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      throw DataError("no CIFAR-10 test batch in " + dir.string() + " (looked for " + kTestBatch +
                      ")");
    }
    files.push_back(p);
  } else {
    throw DataError("unknown split '" + split + "' for CIFAR-10 in " + dir.string() +
                    " (expected train or test)");
  }

  std::vector<torch::Tensor> images, labels;
  for (const auto& f : files) {
    Batch b = read_batch(f);
    images.push_back(std::move(b.images));
    labels.push_back(std::move(b.labels));
  }

  Dataset ds;
  ds.name = "cifar10";
  ds.split = split;
  ds.images = images.size() == 1 ? images[0] : at::cat(images, 0);
  ds.labels = labels.size() == 1 ? labels[0] : at::cat(labels, 0);
  const fs::path meta = dir / kMetaFile;
  std::error_code ec;
  // Without batches.meta.txt (the binary distribution ships it, but a folder assembled by hand
  // may lack it) the catalogue's official order: the label order is fixed by the data set.
  ds.class_names =
      fs::exists(meta, ec) ? read_cifar10_class_names(meta) : find_dataset("cifar10")->class_names;
  return ds;
}

fs::path cifar10_batches_dir(const fs::path& dir) {
  // Batches in dir itself win over the archive's sub-folder.
  std::error_code ec;
  if (fs::exists(dir / "data_batch_1.bin", ec) || fs::exists(dir / kTestBatch, ec)) return dir;
  return fs::is_directory(dir / kCifarBatchesFolder, ec) ? dir / kCifarBatchesFolder : dir;
}

}  // namespace ganrun::data
