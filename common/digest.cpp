// common/digest.cpp — digests through OpenSSL's EVP interface (see digest.h).
#include "common/digest.h"

#include <openssl/err.h>  // ERR_get_error, ERR_error_string_n
#include <openssl/evp.h>  // EVP_MD_CTX_new, EVP_DigestInit_ex, EVP_sha256, EVP_md5

#include <array>
#include <cerrno>
#include <cstdio>   // std::fopen, std::fread
#include <cstring>  // std::strerror
#include <memory>
#include <stdexcept>
#include <vector>

namespace ganrun {
namespace {

// Read size per EVP update: large enough that the hash, not the syscalls, is the cost.
constexpr std::size_t kBlockBytes = std::size_t{1} << 20;

const char* name_of(DigestKind kind) { return kind == DigestKind::kSha256 ? "SHA-256" : "MD5"; }

[[noreturn]] void throw_openssl(DigestKind kind, const std::string& what) {
  std::array<char, 256> reason{};
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, reason.data(), reason.size());
  throw std::runtime_error(what + ": " + name_of(kind) +
                           " failed: " + (code != 0 ? reason.data() : "OpenSSL gave no reason"));
}

// One digest computation; update() may be called any number of times.
class Hasher {
 public:
  Hasher(DigestKind kind, std::string what)
      : kind_(kind), what_(std::move(what)), ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    const EVP_MD* md = kind == DigestKind::kSha256 ? EVP_sha256() : EVP_md5();
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1) throw_openssl(kind_, what_);
  }
  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(ctx_.get(), data, size) != 1) throw_openssl(kind_, what_);
  }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md.data(), &len) != 1) throw_openssl(kind_, what_);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 0xf];
    }
    return out;
  }

 private:
  DigestKind kind_;
  std::string what_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

}  // namespace

std::string digest_hex(DigestKind kind, const void* data, std::size_t size,
                       const std::string& what) {
  Hasher h(kind, what);
  h.update(data, size);
  return h.hex();
}

std::string file_digest_hex(DigestKind kind, const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw std::runtime_error(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  Hasher h(kind, path.string());
  std::vector<unsigned char> block(kBlockBytes);
  while (true) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), f.get());
    if (n > 0) h.update(block.data(), n);
    if (n < block.size()) {
      if (std::ferror(f.get()))
        throw std::runtime_error(path.string() + ": read error (" + std::strerror(errno) + ")");
      break;
    }
  }
  return h.hex();
}

}  // namespace ganrun
