// data/fetch.h — download a data set's published files (libcurl) into a folder, resuming
// interrupted downloads, checking each file's MD5 before it appears under its final name, and
// unpacking the CIFAR-10 archive (libarchive). Which files a set publishes, and their MD5s:
// data/dataset_catalog.h. Nothing here knows about training.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ganrun::data {

enum class FetchOutcome {
  kDownloaded,      // fetched from the first byte
  kResumed,         // a partial <dest>.part was completed with a Range request
  kAlreadyPresent,  // dest already held the file with the expected MD5: no request made
};

const char* to_string(FetchOutcome outcome);

// Downloads `url` to `<dest>.part` (appending to an existing one with a Range request; a server
// that ignores the range, or a .part longer than the file, starts it over), checks its MD5
// against expected_md5, then fsyncs and renames it to dest. On a checksum mismatch the .part is
// deleted and DataError names the URL and both checksums; on an interrupted transfer the .part
// is kept (a rerun resumes) and DataError says so; an HTTP error is a DataError with the code.
FetchOutcome fetch_file(const std::string& url, const std::filesystem::path& dest,
                        const std::string& expected_md5);

struct FetchOptions {
  std::string mirror;  // replaces the publisher's base URL; a local folder becomes a file:// URL
  std::string split;   // "" every file; "train" | "test": that split's files (mnist-style sets)
  std::map<std::string, std::string> md5_override;  // file name -> expected MD5 (tests, mirrors)
  bool keep_archive = false;  // cifar10: keep cifar-10-binary.tar.gz after unpacking it
  std::function<void(const std::string&)> log;  // one line per step, may be empty
};

struct FetchedFile {
  std::filesystem::path path;
  std::string url;
  std::string md5;
  std::uintmax_t bytes = 0;
  FetchOutcome outcome = FetchOutcome::kDownloaded;
};

// The catalogue's published files of `name`. mnist / fashion-mnist: the four IDX .gz files (or
// one split's two) into dir. cifar10:
// cifar-10-binary.tar.gz into dir, its cifar-10-batches-bin/ members unpacked into
// dir/cifar-10-batches-bin/ (each written to a temporary name and renamed), then the archive
// deleted unless keep_archive. A folder already holding the complete unpacked set is left
// alone. Creates dir. std::invalid_argument for an unknown name, a split for cifar10, or an
// override naming a file the set does not have.
std::vector<FetchedFile> fetch_dataset(const std::string& name, const std::filesystem::path& dir,
                                       const FetchOptions& options);

}  // namespace ganrun::data
