// data/verify.h — check a data folder: every split present must decode (load_dataset, the same
// reader training uses), and each file's MD5 is compared with the published one. A differing
// MD5 on a file that decodes is only a warning (Debian re-compresses Fashion-MNIST's gzip files);
// a file that does not decode is a DataError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ganrun::data {

enum class ChecksumStatus {
  kKnown,     // matches the published MD5
  kUnknown,   // the publisher lists no MD5 for this file (raw IDX, CIFAR batches, ...)
  kMismatch,  // differs from the published MD5 (yet the file decodes)
};

const char* to_string(ChecksumStatus status);

// Lower-case hex MD5 of a file's bytes (common/digest.h). DataError naming the file and the
// cause when it cannot be read.
std::string md5_file(const std::filesystem::path& path);

struct VerifiedFile {
  std::filesystem::path path;
  std::uintmax_t bytes = 0;
  std::string md5;
  ChecksumStatus status = ChecksumStatus::kUnknown;
  std::string published_md5;  // empty for kUnknown
};

struct VerifiedSplit {
  std::string split;  // "train" | "test"
  int64_t samples = 0, channels = 0, height = 0, width = 0;
};

struct VerifyReport {
  std::string dataset;
  std::filesystem::path dir;
  std::vector<VerifiedSplit> splits;
  std::vector<VerifiedFile> files;
  std::vector<std::string> warnings;  // one line each, naming the file
};

// name: mnist | fashion-mnist | cifar10. dir: the folder of IDX files, or for cifar10 the
// folder of the .bin batches or its parent. DataError when no file of the set is there or a
// present split does not decode; std::invalid_argument for another name.
VerifyReport verify_dataset(const std::string& name, const std::filesystem::path& dir);

// The set a folder holds: *.bin batches -> cifar10; train-/t10k- IDX files -> mnist or
// fashion-mnist when one file's MD5 is a published one. DataError when the folder holds
// neither, or the IDX files match no published MD5 (pass the name instead).
std::string guess_dataset(const std::filesystem::path& dir);

// Samples in `split` from the headers and sizes only (no decoding): the IDX labels (else
// images) count, or CIFAR bytes / 3073. nullopt when the split's files are absent or unreadable.
std::optional<int64_t> count_samples(const std::string& name, const std::filesystem::path& dir,
                                     const std::string& split);

// The files of `split` present in dir (what count_samples read), for sizes in listings.
std::vector<std::filesystem::path> split_files(const std::string& name,
                                               const std::filesystem::path& dir,
                                               const std::string& split);

}  // namespace ganrun::data
