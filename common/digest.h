// common/digest.h — SHA-256 and MD5 as lower-case hex, of bytes in memory or of a file read in
// blocks (OpenSSL EVP). The one place ganrun computes a digest: run ids and pack checksums use
// SHA-256; MD5 only because that is what MNIST, Fashion-MNIST and CIFAR-10 publish.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace ganrun {

enum class DigestKind { kSha256, kMd5 };

// Hex digest of `size` bytes at `data`. `what` names the data in the message of the
// std::runtime_error thrown when OpenSSL fails ("<what>: SHA-256 failed: <OpenSSL's reason>").
std::string digest_hex(DigestKind kind, const void* data, std::size_t size,
                       const std::string& what);

inline std::string sha256_hex(std::string_view text, const std::string& what) {
  return digest_hex(DigestKind::kSha256, text.data(), text.size(), what);
}

// Hex digest of a file's bytes, read in 1 MiB blocks. std::runtime_error naming the file and the
// cause (strerror, or OpenSSL's reason) when it cannot be read or hashed.
std::string file_digest_hex(DigestKind kind, const std::filesystem::path& path);

}  // namespace ganrun
