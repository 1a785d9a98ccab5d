// data/hdf5_pack.cpp — writes and reads ganrun's HDF5 packs (layout in hdf5_pack.h) with the
// HDF5 C API: atomic writes (temporary file, fsync, rename), SHA-256 checksums over the raw
// bytes, up-front validation (DataError), and on-demand row reads for sets larger than memory.
#include "data/hdf5_pack.h"

#include <ATen/ATen.h>
#include <fcntl.h>        // ::open, O_RDONLY, O_DIRECTORY, O_CLOEXEC
#include <openssl/evp.h>  // EVP_DigestInit_ex, EVP_sha256
#include <unistd.h>       // ::fsync, ::close

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>   // std::rename
#include <cstring>  // std::strerror, std::memcpy
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "data/data_error.h"
#include "data/h5_check.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

constexpr const char* kFormat = "ganrun-pack-v1";
// The row reader's chunk cache, used for compressed packs only (see PackRowReader's
// constructor): a few chunks, since a sorted batch visits each chunk once; a prime number of
// hash slots well above the chunk count; HDF5's default preemption weight.
constexpr size_t kCacheChunks = 4;
constexpr size_t kCacheSlots = 1009;
constexpr double kCacheW0 = 0.75;

// ---- small helpers ------------------------------------------------------------------------

std::string sha256_hex(const void* data, size_t size) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data, size) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < md_len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xf];
  }
  return hex;
}

// The raw bytes of a contiguous CPU tensor: uint8 images as stored, int64 labels in the host's
// (little-endian on every platform we build for) byte order, which is /labels' file order.
std::string tensor_sha256(const torch::Tensor& t) {
  return sha256_hex(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
}

[[noreturn]] void throw_errno(const std::string& what, const fs::path& p, int err) {
  throw std::runtime_error(what + " " + p.string() + ": " + std::strerror(err));
}

// fsync a file or folder by path (a folder's fsync makes a rename inside it durable). A copy of
// runner/atomic_file.cpp's helper: data/ sits below runner/ and may not include it.
void fsync_path(const fs::path& p, bool directory) {
  const int flags = O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
  const int fd = ::open(p.c_str(), flags);
  if (fd < 0) throw_errno("cannot open for fsync", p, errno);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    throw_errno("fsync failed on", p, err);
  }
  ::close(fd);
}

// "float32", "int64", "uint8", ... for messages.
std::string dtype_name(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::string bits = std::to_string(H5Tget_size(type) * 8);
  switch (cls) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    default:
      return "HDF5 type class " + std::to_string(static_cast<int>(cls));
  }
}

bool is_integer(hid_t type, size_t size, bool is_signed) {
  return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == size &&
         (H5Tget_sign(type) == H5T_SGN_2) == is_signed;
}

std::vector<hsize_t> extent(hid_t ds, const fs::path& path) {
  Hid space(H5CALL(H5Dget_space(ds), path), H5Sclose);
  const int rank = H5CALL(H5Sget_simple_extent_ndims(space), path);
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5CALL(H5Sget_simple_extent_dims(space, dims.data(), nullptr), path);
  return dims;
}

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::vector<std::string> split_lines(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t nl = joined.find('\n', start);
    out.push_back(joined.substr(start, nl - start));
    if (nl == std::string::npos) return out;
    start = nl + 1;
  }
}

std::string join_lines(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? "\n" : "") + names[i];
  return s;
}

// A string attr of the root group, or nullopt when absent. A non-string attr is a DataError.
std::optional<std::string> string_attr(hid_t file, const char* name, const fs::path& path) {
  if (H5CALL(H5Aexists(file, name), path) <= 0) return std::nullopt;
  Hid attr(H5CALL(H5Aopen(file, name, H5P_DEFAULT), path), H5Aclose);
  Hid type(H5CALL(H5Aget_type(attr), path), H5Tclose);
  if (H5Tget_class(type) != H5T_STRING) {
    throw DataError(path.string() + ": attr " + name + " has type " + dtype_name(type) +
                    ", expected a string");
  }
  const auto values = h5::read_strings(attr, /*is_attr=*/true, path);
  return values.empty() ? std::string() : values[0];
}

// Opens a dataset by name, or nullopt when no dataset of that name exists.
std::optional<Hid> open_dataset(hid_t file, const char* name, hid_t dapl, const fs::path& path) {
  if (H5CALL(H5Lexists(file, name, H5P_DEFAULT), path) <= 0) return std::nullopt;
  Hid obj(H5CALL(H5Oopen(file, name, H5P_DEFAULT), path), H5Oclose);
  if (H5Iget_type(obj) != H5I_DATASET) return std::nullopt;
  obj.reset();
  return Hid(H5CALL(H5Dopen2(file, name, dapl), path), H5Dclose);
}

// ---- opening and validating ---------------------------------------------------------------

struct OpenPack {
  Hid file, images, labels;
  PackInfo info;
};

OpenPack open_pack(const fs::path& path) {
  h5::silence_errors();
  const std::string f = path.string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw DataError(f + ": pack file not found (create one with ganrun data pack)");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw DataError(f + ": not an HDF5 file (expected a ganrun pack, format " + kFormat + ")");
  }
  OpenPack p;
  try {
    p.file = h5::open_readonly(path);
  } catch (const std::runtime_error& e) {
    throw DataError(f + ": cannot open as HDF5 (" + h5::error_stack_message() +
                    "); expected a ganrun pack, format " + kFormat);
  }

  const auto format = string_attr(p.file, "format", path);
  if (!format) {
    throw DataError(f + ": no format attr (expected format = " + kFormat +
                    ", a pack written by ganrun data pack)");
  }
  if (*format != kFormat) {
    throw DataError(f + ": format attr is '" + *format + "', expected " + kFormat);
  }

  auto images = open_dataset(p.file, "images", H5P_DEFAULT, path);
  if (!images) throw DataError(f + ": no /images dataset (expected uint8 [N, C, H, W])");
  p.images = std::move(*images);
  {
    Hid type(H5CALL(H5Dget_type(p.images), path), H5Tclose);
    if (!is_integer(type, 1, false)) {
      throw DataError(f + ": /images has dtype " + dtype_name(type) + ", expected uint8");
    }
  }
  const auto idims = extent(p.images, path);
  if (idims.size() != 4) {
    throw DataError(f + ": /images has rank " + std::to_string(idims.size()) + " " +
                    dims_text(idims) + ", expected rank 4 [N, C, H, W]");
  }
  if (idims[1] != 1 && idims[1] != 3) {
    throw DataError(f + ": /images has " + std::to_string(idims[1]) + " channels " +
                    dims_text(idims) + ", expected 1 or 3");
  }

  auto labels = open_dataset(p.file, "labels", H5P_DEFAULT, path);
  if (!labels) throw DataError(f + ": no /labels dataset (expected int64 [N])");
  p.labels = std::move(*labels);
  {
    Hid type(H5CALL(H5Dget_type(p.labels), path), H5Tclose);
    if (!is_integer(type, 8, true)) {
      throw DataError(f + ": /labels has dtype " + dtype_name(type) + ", expected int64");
    }
  }
  const auto ldims = extent(p.labels, path);
  if (ldims.size() != 1) {
    throw DataError(f + ": /labels has rank " + std::to_string(ldims.size()) + " " +
                    dims_text(ldims) + ", expected rank 1 [N]");
  }
  if (ldims[0] != idims[0]) {
    throw DataError(f + ": /images holds " + std::to_string(idims[0]) +
                    " images but /labels holds " + std::to_string(ldims[0]) +
                    " labels (expected equal counts)");
  }

  PackInfo& info = p.info;
  info.dataset = string_attr(p.file, "dataset", path).value_or("");
  info.split = string_attr(p.file, "split", path).value_or("");
  info.source = string_attr(p.file, "source", path).value_or("");
  info.class_names = split_lines(string_attr(p.file, "class_names", path).value_or(""));
  info.images_sha256 = string_attr(p.file, "images_sha256", path).value_or("");
  info.labels_sha256 = string_attr(p.file, "labels_sha256", path).value_or("");
  info.n = static_cast<int64_t>(idims[0]);
  info.c = static_cast<int64_t>(idims[1]);
  info.h = static_cast<int64_t>(idims[2]);
  info.w = static_cast<int64_t>(idims[3]);
  return p;
}

// Labels must index class_names where the pack names its classes, and be >= 0 always.
void check_labels(const torch::Tensor& labels, const torch::Tensor& rows, const PackInfo& info,
                  const fs::path& path) {
  const int64_t* l = labels.data_ptr<int64_t>();
  const auto classes = static_cast<int64_t>(info.class_names.size());
  for (int64_t i = 0; i < labels.numel(); ++i) {
    if (l[i] < 0 || (classes > 0 && l[i] >= classes)) {
      const int64_t row = rows.defined() ? rows.data_ptr<int64_t>()[i] : i;
      throw DataError(path.string() + ": /labels holds label " + std::to_string(l[i]) +
                      " at index " + std::to_string(row) + ", outside 0.." +
                      (classes > 0 ? std::to_string(classes - 1) + " (the " +
                                         std::to_string(classes) + " class_names)"
                                   : std::string("(no negative labels)")));
    }
  }
}

void verify_checksum(const torch::Tensor& t, const std::string& expected, const char* dataset,
                     const char* attr, const fs::path& path) {
  if (expected.empty()) {
    throw DataError(path.string() + ": no " + attr + " attr, cannot verify " + dataset +
                    " (expected a pack written by ganrun data pack)");
  }
  const std::string actual = tensor_sha256(t);
  if (actual != expected) {
    throw DataError(path.string() + ": " + dataset + " does not match its checksum (" + attr +
                    " = " + expected + ", data hashes to " + actual +
                    "); the file is corrupt: pack the data again");
  }
}

// Reads rows `sorted` (ascending, distinct) of a dataset whose rows are `row_dims` (element
// size `elem_bytes`) into `buf`, in that order: one H5Dread per contiguous run of rows. A
// single H5Dread over the union (H5S_SELECT_OR) of the runs is 50x slower in HDF5 1.10 (13 ms
// against 0.25 ms for 64 random CIFAR-10 rows): building and walking the union dominates.
void read_rows(hid_t ds, hid_t mem_type, size_t elem_bytes, const std::vector<int64_t>& sorted,
               const std::vector<hsize_t>& row_dims, void* buf, const fs::path& path) {
  if (sorted.empty()) return;
  const size_t rank = row_dims.size() + 1;
  size_t row_bytes = elem_bytes;
  for (hsize_t d : row_dims) row_bytes *= d;
  Hid fspace(H5CALL(H5Dget_space(ds), path), H5Sclose);
  std::vector<hsize_t> start(rank, 0), count(rank);
  std::copy(row_dims.begin(), row_dims.end(), count.begin() + 1);
  auto* out = static_cast<unsigned char*>(buf);
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[j - 1] + 1) ++j;
    start[0] = static_cast<hsize_t>(sorted[i]);
    count[0] = static_cast<hsize_t>(j - i);
    H5CALL(
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        path);
    Hid mspace(H5CALL(H5Screate_simple(static_cast<int>(rank), count.data(), nullptr), path),
               H5Sclose);
    H5CALL(H5Dread(ds, mem_type, mspace, fspace, H5P_DEFAULT, out + i * row_bytes), path);
    i = j;
  }
}

}  // namespace

// ---- writing ------------------------------------------------------------------------------

void write_pack(const Dataset& dataset, const std::string& source,
                const std::filesystem::path& out) {
  const torch::Tensor& im = dataset.images;
  const torch::Tensor& lb = dataset.labels;
  if (!im.defined() || im.scalar_type() != torch::kUInt8 || im.dim() != 4) {
    throw std::invalid_argument("write_pack: images must be uint8 [N, C, H, W]");
  }
  if (!lb.defined() || lb.scalar_type() != torch::kInt64 || lb.dim() != 1 ||
      lb.size(0) != im.size(0)) {
    throw std::invalid_argument("write_pack: labels must be int64 [N] with N = " +
                                std::to_string(im.size(0)));
  }
  const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw DataError(out.string() + ": cannot write the pack: folder " + dir.string() +
                    " does not exist");
  }
  h5::silence_errors();
  const torch::Tensor images = im.cpu().contiguous();
  const torch::Tensor labels = lb.cpu().contiguous();
  const std::string images_sha = tensor_sha256(images);
  const std::string labels_sha = tensor_sha256(labels);

  const fs::path tmp = dir / ("." + out.filename().string() + ".tmp");
  try {
    Hid file = h5::create_file(tmp);
    {  // every object is closed at the end of this block, before the file's checked close
      h5::write_string_attr(file, "format", kFormat, tmp);
      h5::write_string_attr(file, "dataset", dataset.name, tmp);
      h5::write_string_attr(file, "split", dataset.split, tmp);
      h5::write_string_attr(file, "source", source, tmp);
      h5::write_string_attr(file, "class_names", join_lines(dataset.class_names), tmp);
      h5::write_string_attr(file, "images_sha256", images_sha, tmp);
      h5::write_string_attr(file, "labels_sha256", labels_sha, tmp);

      const int64_t n = images.size(0);
      std::array<hsize_t, 4> dims = {hsize_t(n), hsize_t(images.size(1)), hsize_t(images.size(2)),
                                     hsize_t(images.size(3))};
      std::array<hsize_t, 4> chunk = dims;
      chunk[0] = static_cast<hsize_t>(std::clamp<int64_t>(n, 1, kPackChunkRows));
      Hid dcpl(H5CALL(H5Pcreate(H5P_DATASET_CREATE), tmp), H5Pclose);
      H5CALL(H5Pset_chunk(dcpl, 4, chunk.data()), tmp);
      Hid ispace(H5CALL(H5Screate_simple(4, dims.data(), nullptr), tmp), H5Sclose);
      Hid ids(
          H5CALL(H5Dcreate2(file, "images", H5T_STD_U8LE, ispace, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                 tmp),
          H5Dclose);
      if (n > 0) {
        H5CALL(H5Dwrite(ids, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, images.data_ptr()),
               tmp);
      }
      const hsize_t ldims[1] = {hsize_t(n)};
      Hid lspace(H5CALL(H5Screate_simple(1, ldims, nullptr), tmp), H5Sclose);
      Hid lds(H5CALL(H5Dcreate2(file, "labels", H5T_STD_I64LE, lspace, H5P_DEFAULT, H5P_DEFAULT,
                                H5P_DEFAULT),
                     tmp),
              H5Dclose);
      if (n > 0) {
        H5CALL(H5Dwrite(lds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data_ptr()),
               tmp);
      }
    }
    H5CALL(file.close(), tmp);
    fsync_path(tmp, false);
    if (std::rename(tmp.c_str(), out.c_str()) != 0)
      throw_errno("cannot rename " + tmp.string() + " to", out, errno);
    fsync_path(dir, true);
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(out.string() + ": cannot write the pack: " + e.what());
  }
}

// ---- reading ------------------------------------------------------------------------------

PackInfo read_pack_info(const std::filesystem::path& file) { return open_pack(file).info; }

Dataset read_pack(const std::filesystem::path& file, bool verify) {
  OpenPack p = open_pack(file);
  const PackInfo& info = p.info;
  Dataset ds;
  ds.name = info.dataset;
  ds.split = info.split;
  ds.class_names = info.class_names;
  ds.images = torch::empty({info.n, info.c, info.h, info.w}, torch::kUInt8);
  ds.labels = torch::empty({info.n}, torch::kInt64);
  if (info.n > 0) {
    H5CALL(H5Dread(p.images, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.images.data_ptr()),
           file);
    H5CALL(H5Dread(p.labels, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.labels.data_ptr()),
           file);
  }
  if (verify) {
    verify_checksum(ds.images, info.images_sha256, "/images", "images_sha256", file);
    verify_checksum(ds.labels, info.labels_sha256, "/labels", "labels_sha256", file);
  }
  check_labels(ds.labels, torch::Tensor(), info, file);
  return ds;
}

// ---- PackRowReader ------------------------------------------------------------------------

struct PackRowReader::Handles {
  fs::path path;
  Hid file, images, labels;
};

PackRowReader::PackRowReader(const std::filesystem::path& file) : h_(std::make_unique<Handles>()) {
  OpenPack p = open_pack(file);
  h_->path = file;
  info_ = p.info;
  // Reopen /images with a chunk cache chosen for random rows (measured on the CIFAR-10 subset,
  // 10,000 rows, batches of 64 from a permutation, file in the page cache, HDF5 1.10.8):
  //  - uncompressed chunks (ours): no cache. HDF5 then reads just the selected rows, 0.26 ms a
  //    batch; a cache that holds a chunk makes HDF5 load the whole 786 KB chunk for one row
  //    (256x the bytes, 2.4 ms a batch), and with w0 = 1.0 partly read chunks were never
  //    evicted (memory grew to the whole data set despite a 3 MiB limit).
  //  - compressed chunks (packs from other tools): a chunk must be decoded whole, so keep a
  //    few, with HDF5's default w0 so partly read chunks are evicted too.
  size_t cache_bytes = 0;
  {
    Hid dcpl(H5CALL(H5Dget_create_plist(p.images), file), H5Pclose);
    if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5CALL(H5Pget_nfilters(dcpl), file) > 0) {
      std::array<hsize_t, 4> chunk{};
      H5CALL(H5Pget_chunk(dcpl, 4, chunk.data()), file);
      cache_bytes = kCacheChunks * chunk[0] * chunk[1] * chunk[2] * chunk[3];
    }
  }
  p.images.reset();  // a second open of a dataset would share the first one's cache settings
  Hid dapl(H5CALL(H5Pcreate(H5P_DATASET_ACCESS), file), H5Pclose);
  H5CALL(H5Pset_chunk_cache(dapl, kCacheSlots, cache_bytes, kCacheW0), file);  // 0 bytes: off
  h_->images = Hid(H5CALL(H5Dopen2(p.file, "images", dapl), file), H5Dclose);
  h_->labels = std::move(p.labels);
  h_->file = std::move(p.file);
}

PackRowReader::~PackRowReader() = default;

namespace {

// Distinct rows in ascending order, and for each requested index its position among them.
struct RowPlan {
  std::vector<int64_t> sorted;
  std::vector<int64_t> positions;  // [k]
  bool identity = false;           // the request was already sorted and distinct
};

RowPlan plan_rows(const torch::Tensor& indices, int64_t n, const fs::path& path) {
  if (indices.dim() != 1 || !c10::isIntegralType(indices.scalar_type(), /*includeBool=*/false)) {
    throw std::invalid_argument("PackRowReader: indices must be a 1-D integer tensor");
  }
  const torch::Tensor idx = indices.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t k = idx.numel();
  RowPlan plan;
  plan.sorted.assign(p, p + k);
  for (int64_t v : plan.sorted) {
    if (v < 0 || v >= n) {
      throw std::out_of_range("PackRowReader: row " + std::to_string(v) + " outside [0, " +
                              std::to_string(n) + ") of " + path.string());
    }
  }
  std::sort(plan.sorted.begin(), plan.sorted.end());
  plan.sorted.erase(std::unique(plan.sorted.begin(), plan.sorted.end()), plan.sorted.end());
  plan.identity = static_cast<int64_t>(plan.sorted.size()) == k &&
                  std::equal(plan.sorted.begin(), plan.sorted.end(), p);
  if (!plan.identity) {
    plan.positions.resize(static_cast<size_t>(k));
    int64_t* pos = plan.positions.data();
    for (int64_t i = 0; i < k; ++i) {
      pos[i] = std::lower_bound(plan.sorted.begin(), plan.sorted.end(), p[i]) - plan.sorted.begin();
    }
  }
  return plan;
}

// Rows back in the requested order. A plain copy loop: index_select would start LibTorch's
// thread pool for a 64-row batch, which costs more than the read on a busy node.
torch::Tensor reorder(const torch::Tensor& rows, const RowPlan& plan) {
  if (plan.identity) return rows;
  std::vector<int64_t> sizes = rows.sizes().vec();
  sizes[0] = static_cast<int64_t>(plan.positions.size());
  torch::Tensor out = torch::empty(sizes, rows.options());
  const size_t row_bytes = static_cast<size_t>(rows[0].numel()) * rows.element_size();
  const auto* src = static_cast<const unsigned char*>(rows.data_ptr());
  auto* dst = static_cast<unsigned char*>(out.data_ptr());
  for (size_t i = 0; i < plan.positions.size(); ++i)
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(plan.positions[i]) * row_bytes,
                row_bytes);
  return out;
}

}  // namespace

torch::Tensor PackRowReader::read_images(const torch::Tensor& indices) {
  const RowPlan plan = plan_rows(indices, info_.n, h_->path);
  const auto u = static_cast<int64_t>(plan.sorted.size());
  torch::Tensor rows = torch::empty({u, info_.c, info_.h, info_.w}, torch::kUInt8);
  read_rows(h_->images, H5T_NATIVE_UINT8, 1, plan.sorted,
            {hsize_t(info_.c), hsize_t(info_.h), hsize_t(info_.w)}, rows.data_ptr(), h_->path);
  rows_read_ += u;
  return reorder(rows, plan);
}

torch::Tensor PackRowReader::read_labels(const torch::Tensor& indices) {
  const RowPlan plan = plan_rows(indices, info_.n, h_->path);
  const auto u = static_cast<int64_t>(plan.sorted.size());
  torch::Tensor rows = torch::empty({u}, torch::kInt64);
  read_rows(h_->labels, H5T_NATIVE_INT64, sizeof(int64_t), plan.sorted, {}, rows.data_ptr(),
            h_->path);
  check_labels(rows, torch::from_blob(const_cast<int64_t*>(plan.sorted.data()), {u}, torch::kInt64),
               info_, h_->path);
  return reorder(rows, plan);
}

}  // namespace ganrun::data
