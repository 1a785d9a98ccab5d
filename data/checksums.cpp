// data/checksums.cpp — the publishers' MD5 table and md5_file. MD5 only because that is what
// MNIST, Fashion-MNIST and CIFAR-10 publish; it guards against corruption, not tampering.
#include "data/checksums.h"

#include <openssl/evp.h>  // EVP_MD_CTX_new, EVP_DigestInit_ex, EVP_md5, EVP_DigestFinal_ex

#include <cerrno>
#include <cstdio>   // std::fopen, std::fread
#include <cstring>  // std::strerror
#include <memory>

#include "data/data_error.h"

namespace ganrun::data {
namespace {

// Read size per EVP update: large enough that the hash, not the syscalls, is the cost.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

}  // namespace

const std::vector<PublishedDataset>& published_datasets() {
  // MNIST moved off yann.lecun.com (now often refused); the PyTorch mirror serves the
  // byte-identical files. Fashion-MNIST and CIFAR-10 are their authors' own hosts.
  static const std::vector<PublishedDataset> table = {
      {"mnist",
       "https://ossci-datasets.s3.amazonaws.com/mnist/",
       {{"train-images-idx3-ubyte.gz", "train", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
        {"train-labels-idx1-ubyte.gz", "train", "d53e105ee54ea40749a09fcbcd1e9432"},
        {"t10k-images-idx3-ubyte.gz", "test", "9fb629c4189551a2d022fa330f9573f3"},
        {"t10k-labels-idx1-ubyte.gz", "test", "ec29112dd5afa0611ce80d1b7f02629c"}}},
      {"fashion-mnist",
       "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
       {{"train-images-idx3-ubyte.gz", "train", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
        {"train-labels-idx1-ubyte.gz", "train", "25c81989df183df01b3e8a0aad5dffbe"},
        {"t10k-images-idx3-ubyte.gz", "test", "bef4ecab320f06d8554ea6380940ec79"},
        {"t10k-labels-idx1-ubyte.gz", "test", "bb300cfdad3c16e7a12a480ee83cd310"}}},
      {"cifar10",
       "https://www.cs.toronto.edu/~kriz/",
       {{"cifar-10-binary.tar.gz", "", "c32a1d4ab5d03f1284b67883e8d87530"}}},
  };
  return table;
}

const PublishedDataset* find_published(const std::string& name) {
  for (const auto& d : published_datasets())
    if (d.name == name) return &d;
  return nullptr;
}

const PublishedFile* find_published_file(const std::string& dataset, const std::string& file_name) {
  const auto* d = find_published(dataset);
  if (d == nullptr) return nullptr;
  for (const auto& f : d->files)
    if (f.name == file_name) return &f;
  return nullptr;
}

std::string md5_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw DataError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
    throw DataError(path.string() + ": OpenSSL cannot start an MD5 digest");
  std::vector<unsigned char> buf(kBlockBytes);
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    if (EVP_DigestUpdate(ctx.get(), buf.data(), n) != 1)
      throw DataError(path.string() + ": OpenSSL MD5 update failed");
  }
  if (std::ferror(f.get()))
    throw DataError(path.string() + ": read error (" + std::strerror(errno) + ")");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1)
    throw DataError(path.string() + ": OpenSSL MD5 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace ganrun::data
