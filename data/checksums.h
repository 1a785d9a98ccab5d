// data/checksums.h — the published files of the downloadable data sets (name, split, MD5, the
// publisher's base URL) and a streamed MD5 of a file. The one place that names those hosts;
// fetching and verifying live in fetch.h and verify.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ganrun::data {

struct PublishedFile {
  std::string name;   // file name under the base URL, e.g. "t10k-images-idx3-ubyte.gz"
  std::string split;  // "train" | "test" | "" (an archive holding both)
  std::string md5;    // as the publisher lists it, lower-case hex
};

struct PublishedDataset {
  std::string name;      // "mnist" | "fashion-mnist" | "cifar10"
  std::string base_url;  // ends with '/'
  std::vector<PublishedFile> files;
};

// mnist, fashion-mnist, cifar10, in that order.
const std::vector<PublishedDataset>& published_datasets();

// nullptr when `name` is not a downloadable data set.
const PublishedDataset* find_published(const std::string& name);

// The published entry of `file_name` in data set `dataset`, or nullptr.
const PublishedFile* find_published_file(const std::string& dataset, const std::string& file_name);

// Lower-case hex MD5 of the file's bytes, read in 1 MiB blocks (OpenSSL EVP). DataError naming
// the file when it cannot be read.
std::string md5_file(const std::filesystem::path& path);

}  // namespace ganrun::data
