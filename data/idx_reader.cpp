// data/idx_reader.cpp — reads an MNIST-family IDX pair (idx3 images + idx1 labels) through
// zlib, which reads gzip and raw files alike. Every size is checked against the header before a
// tensor is returned; any problem is a DataError naming the file. No training-range scaling here.
#include "data/idx_reader.h"

#include <zlib.h>  // gzopen, gzbuffer, gzread, gzerror, gzclose

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "data/data_error.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// IDX magic: two zero bytes, the element type (0x08 = unsigned byte), the dimension count.
constexpr uint32_t kImagesMagic = 0x00000803;  // ubyte, 3 dimensions (count, rows, cols)
constexpr uint32_t kLabelsMagic = 0x00000801;  // ubyte, 1 dimension (count)
constexpr size_t kImagesHeaderBytes = 16;      // magic + 3 big-endian uint32 dimensions
constexpr size_t kLabelsHeaderBytes = 8;       // magic + 1 big-endian uint32 dimension
constexpr int64_t kNumClasses = 10;            // MNIST and Fashion-MNIST labels are 0..9
constexpr unsigned kReadChunk = 1u << 20;      // gzread takes an unsigned count: read in 1 MiB
constexpr unsigned kGzBuffer = 1u << 18;       // zlib's input buffer; the 8 KiB default is slow
// Only a reservation hint: the payload grows past it if the file really holds more.
constexpr uint64_t kMaxReserve = uint64_t{256} << 20;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// One gzip-or-raw file, read front to back. gzclose's result is part of the verdict (a stream
// cut short is only reported there by some zlib versions), so close() is explicit.
class GzFile {
 public:
  explicit GzFile(const fs::path& path) : path_(path.string()) {
    errno = 0;
    file_ = gzopen(path_.c_str(), "rb");
    if (file_ == nullptr) {
      throw DataError(path_ + ": cannot open (" +
                      (errno != 0 ? std::string(std::strerror(errno)) : "out of memory") + ")");
    }
    gzbuffer(file_, kGzBuffer);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }

  // Reads up to n bytes; fewer only at end of data. Throws on a zlib error.
  size_t read(uint8_t* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      const unsigned want = static_cast<unsigned>(std::min<size_t>(n - got, kReadChunk));
      const int r = gzread(file_, dst + got, want);
      if (r < 0) fail();
      got += static_cast<size_t>(r);
      if (static_cast<unsigned>(r) < want) break;
    }
    check();  // a truncated stream returns a short count and records Z_BUF_ERROR
    return got;
  }

  // Everything left, appended to `out`.
  void read_rest(std::vector<uint8_t>& out) {
    for (;;) {
      const size_t old = out.size();
      out.resize(old + kReadChunk);
      const size_t got = read(out.data() + old, kReadChunk);
      out.resize(old + got);
      if (got < kReadChunk) return;
    }
  }

  void close() {
    gzFile f = std::exchange(file_, nullptr);
    const int rc = gzclose(f);
    if (rc != Z_OK) throw corrupt("zlib: gzclose returned " + std::to_string(rc));
  }

  const std::string& path() const { return path_; }

 private:
  DataError corrupt(const std::string& detail) const {
    return DataError(path_ + ": corrupt or truncated gzip data (" + detail +
                     "); download the file again");
  }
  // gzerror's text is "<path>: <what>"; the message names the path once already.
  std::string zlib_message(const char* msg) const {
    std::string m = msg != nullptr ? msg : "";
    if (m.rfind(path_ + ": ", 0) == 0) m.erase(0, path_.size() + 2);
    return "zlib: " + m;
  }
  void check() {
    int err = Z_OK;
    const char* msg = gzerror(file_, &err);
    if (err != Z_OK && err != Z_STREAM_END) throw corrupt(zlib_message(msg));
  }
  [[noreturn]] void fail() {
    int err = Z_OK;
    const char* msg = gzerror(file_, &err);
    if (err == Z_ERRNO) throw DataError(path_ + ": read error (" + std::strerror(errno) + ")");
    throw corrupt(zlib_message(msg));
  }

  std::string path_;
  gzFile file_ = nullptr;
};

// Reads the header and checks the magic; fills dims (big-endian uint32 each).
template <size_t kDims>
std::array<uint32_t, kDims> read_header(GzFile& f, uint32_t expected_magic, const char* what) {
  std::array<uint8_t, 4 + 4 * kDims> raw{};
  const size_t got = f.read(raw.data(), raw.size());
  if (got < raw.size()) {
    throw DataError(f.path() + ": truncated: " + std::to_string(got) +
                    " bytes, too short for the " + std::to_string(raw.size()) + "-byte IDX " +
                    what + " header");
  }
  const uint32_t magic = big_endian_u32(raw.data());
  const std::string expected =
      " (expected " + hex32(expected_magic) + " for IDX " + std::string(what) + ")";
  // Same element type (unsigned byte) but another rank: say so rather than "bad magic".
  if ((magic & 0xffffff00u) == (expected_magic & 0xffffff00u) && magic != expected_magic) {
    throw DataError(f.path() + ": header declares " + std::to_string(magic & 0xffu) +
                    " dimensions, magic number " + hex32(magic) + expected);
  }
  if (magic != expected_magic) {
    throw DataError(f.path() + ": bad magic number " + hex32(magic) + expected);
  }
  std::array<uint32_t, kDims> dims{};
  for (size_t i = 0; i < kDims; ++i) dims[i] = big_endian_u32(raw.data() + 4 + 4 * i);
  return dims;
}

// The payload after the header, checked against the size the header promises.
std::vector<uint8_t> read_payload(GzFile& f, uint64_t expected, const std::string& header_says,
                                  const char* data_kind) {
  std::vector<uint8_t> payload;
  // + one chunk: read_rest grows by whole chunks, so a well-formed file never reallocates.
  payload.reserve(static_cast<size_t>(std::min(expected, kMaxReserve) + kReadChunk));
  f.read_rest(payload);
  f.close();
  if (payload.size() < expected) {
    throw DataError(f.path() + ": truncated: header says " + header_says + ", file holds " +
                    std::to_string(payload.size()) + " bytes of " + data_kind + " data (expected " +
                    std::to_string(expected) + ")");
  }
  if (payload.size() > expected) {
    throw DataError(f.path() + ": " + std::to_string(payload.size() - expected) +
                    " extra bytes after the data: header says " + header_says + ", file holds " +
                    std::to_string(payload.size()) + " bytes of " + data_kind + " data (expected " +
                    std::to_string(expected) + ")");
  }
  return payload;
}

// A uint8 tensor that owns the vector's storage (no copy of the 47 MB training images).
torch::Tensor tensor_from(std::vector<uint8_t>&& bytes, at::IntArrayRef sizes) {
  auto owner = std::make_unique<std::vector<uint8_t>>(std::move(bytes));
  uint8_t* data = owner->data();
  torch::Tensor t = at::from_blob(
      data, sizes, [raw = owner.get()](void*) { delete raw; }, torch::kUInt8);
  (void)owner.release();  // the tensor's deleter owns it now
  return t;
}

struct Images {
  torch::Tensor pixels;  // uint8 [N, 1, rows, cols]
  int64_t count = 0;
};

Images read_images(const fs::path& path) {
  GzFile f(path);
  const auto [count, rows, cols] = read_header<3>(f, kImagesMagic, "images");
  if (rows == 0 || cols == 0) {
    throw DataError(f.path() + ": header says images of " + std::to_string(rows) + "x" +
                    std::to_string(cols) + " (expected rows and cols of at least 1)");
  }
  if (count == 0) throw DataError(f.path() + ": header says 0 images (expected at least 1)");
  // Three uint32 factors fit in 96 bits; refuse what does not fit 64 before multiplying.
  uint64_t expected = 0;
  if (__builtin_mul_overflow(uint64_t{count} * rows, uint64_t{cols}, &expected)) {
    throw DataError(f.path() + ": header says " + std::to_string(count) + " images of " +
                    std::to_string(rows) + "x" + std::to_string(cols) +
                    ", more than any file can hold");
  }
  const std::string header_says =
      std::to_string(count) + " images of " + std::to_string(rows) + "x" + std::to_string(cols);
  auto payload = read_payload(f, expected, header_says, "pixel");
  return {tensor_from(std::move(payload), {int64_t{count}, 1, int64_t{rows}, int64_t{cols}}),
          int64_t{count}};
}

torch::Tensor read_labels(const fs::path& path) {
  GzFile f(path);
  const auto [count] = read_header<1>(f, kLabelsMagic, "labels");
  auto payload = read_payload(f, count, std::to_string(count) + " labels", "label");
  for (size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] >= kNumClasses) {
      throw DataError(f.path() + ": label " + std::to_string(payload[i]) + " at index " +
                      std::to_string(i) + " is outside 0.." + std::to_string(kNumClasses - 1));
    }
  }
  return tensor_from(std::move(payload), {int64_t{count}}).to(torch::kInt64);
}

// The first of `names` present in dir, or empty.
fs::path find_first(const fs::path& dir, const std::vector<std::string>& names) {
  for (const auto& n : names) {
    std::error_code ec;
    if (fs::is_regular_file(dir / n, ec)) return dir / n;
  }
  return {};
}

std::string join_or(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : " or ") + names[i];
  return s;
}

}  // namespace

Dataset read_idx_pair(const std::filesystem::path& dir, const std::string& prefix) {
  // Compressed first: the distribution form; the raw name covers users who gunzipped.
  const std::vector<std::string> image_names = {prefix + "-images-idx3-ubyte.gz",
                                                prefix + "-images-idx3-ubyte"};
  const std::vector<std::string> label_names = {prefix + "-labels-idx1-ubyte.gz",
                                                prefix + "-labels-idx1-ubyte"};
  const fs::path images_path = find_first(dir, image_names);
  if (images_path.empty()) {
    throw DataError("no MNIST-style images file in " + dir.string() + " (looked for " +
                    join_or(image_names) + ")");
  }
  const fs::path labels_path = find_first(dir, label_names);
  if (labels_path.empty()) {
    throw DataError(images_path.string() + ": companion labels file missing (looked for " +
                    join_or(label_names) + " in " + dir.string() + ")");
  }

  Images images = read_images(images_path);
  torch::Tensor labels = read_labels(labels_path);
  if (labels.size(0) != images.count) {
    throw DataError(images_path.string() + " holds " + std::to_string(images.count) +
                    " images but " + labels_path.string() + " holds " +
                    std::to_string(labels.size(0)) + " labels (expected equal counts)");
  }

  Dataset ds;
  // The folder name is a fair default ("mnist", "fashion-mnist"); load_dataset overrides it.
  ds.name = fs::path(dir).lexically_normal().filename().string();
  if (ds.name.empty()) ds.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  ds.split = (prefix == "t10k" || prefix == "test") ? "test" : prefix == "train" ? "train" : prefix;
  ds.images = std::move(images.pixels);
  ds.labels = std::move(labels);
  return ds;
}

}  // namespace ganrun::data
