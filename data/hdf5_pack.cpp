// data/hdf5_pack.cpp — writes a whole pack (layout in hdf5_pack.h) through the atomic-write
// helper with SHA-256 checksums over the raw bytes, and reads a whole pack back, optionally
// re-checking the checksums. Opening and validation: pack_open.cpp; rows on demand:
// pack_row_reader.cpp.
#include "data/hdf5_pack.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <system_error>

#include "common/atomic_file.h"  // write_file_atomically
#include "common/digest.h"       // digest_hex
#include "data/data_error.h"
#include "data/h5_check.h"
#include "data/pack_open.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

// SHA-256 of the raw bytes of a contiguous CPU tensor: uint8 images as stored, int64 labels in
// the host's (little-endian on every platform we build for) byte order, which is /labels' file
// order. `what` names the data in an error ("<pack> /images").
std::string tensor_sha256(const torch::Tensor& t, const std::string& what) {
  return digest_hex(DigestKind::kSha256, t.data_ptr(),
                    static_cast<size_t>(t.numel()) * t.element_size(), what);
}

std::string join_lines(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? "\n" : "") + names[i];
  return s;
}

void verify_checksum(const torch::Tensor& t, const std::string& expected, const char* dataset,
                     const char* attr, const fs::path& path) {
  if (expected.empty()) {
    throw DataError(path.string() + ": no " + attr + " attr, cannot verify " + dataset +
                    " (expected a pack written by ganrun data pack)");
  }
  const std::string actual = tensor_sha256(t, path.string() + " " + dataset);
  if (actual != expected) {
    throw DataError(path.string() + ": " + dataset + " does not match its checksum (" + attr +
                    " = " + expected + ", data hashes to " + actual +
                    "); the file is corrupt: pack the data again");
  }
}

// Creates `name` as a dataset of `file_type` over `dims` (chunked as `chunk` when given) and
// writes `data` (in `mem_type`) into it when it holds any element. Returned open: the caller
// closes both datasets together, which keeps the file's layout that of earlier packs.
Hid write_dataset(hid_t file, const char* name, hid_t file_type, hid_t mem_type,
                  const std::vector<hsize_t>& dims, const std::vector<hsize_t>& chunk,
                  const void* data, const fs::path& tmp) {
  Hid dcpl(H5CALL(H5Pcreate(H5P_DATASET_CREATE), tmp), H5Pclose);
  if (!chunk.empty()) H5CALL(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), tmp);
  Hid space(H5CALL(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), tmp),
            H5Sclose);
  Hid ds(H5CALL(H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), tmp),
         H5Dclose);
  if (dims[0] > 0) H5CALL(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), tmp);
  return ds;
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
  const std::string images_sha = tensor_sha256(images, out.string() + " /images");
  const std::string labels_sha = tensor_sha256(labels, out.string() + " /labels");

  write_file_atomically(
      out,
      [&](const fs::path& tmp) {
        Hid file = h5::create_file(tmp);
        {  // every object is closed at the end of this block, before the file's checked close
          h5::write_string_attr(file, "format", kPackFormat, tmp);
          h5::write_string_attr(file, "dataset", dataset.name, tmp);
          h5::write_string_attr(file, "split", dataset.split, tmp);
          h5::write_string_attr(file, "source", source, tmp);
          h5::write_string_attr(file, "class_names", join_lines(dataset.class_names), tmp);
          h5::write_string_attr(file, "images_sha256", images_sha, tmp);
          h5::write_string_attr(file, "labels_sha256", labels_sha, tmp);

          const int64_t n = images.size(0);
          const std::vector<hsize_t> dims = {hsize_t(n), hsize_t(images.size(1)),
                                             hsize_t(images.size(2)), hsize_t(images.size(3))};
          std::vector<hsize_t> chunk = dims;
          chunk[0] = static_cast<hsize_t>(std::clamp<int64_t>(n, 1, kPackChunkRows));
          const Hid ids = write_dataset(file, "images", H5T_STD_U8LE, H5T_NATIVE_UINT8, dims, chunk,
                                        images.data_ptr(), tmp);
          const Hid lds = write_dataset(file, "labels", H5T_STD_I64LE, H5T_NATIVE_INT64,
                                        {hsize_t(n)}, {}, labels.data_ptr(), tmp);
        }
        H5CALL(file.close(), tmp);
      },
      "the pack");
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

}  // namespace ganrun::data
