// data/pack_open.cpp — open_pack and check_labels (see pack_open.h): every message names the
// file, what it holds and what a ganrun pack holds instead.
#include "data/pack_open.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "data/data_error.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

// "float32", "int64", "uint8", ... for messages.
std::string dtype_name(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::string bits = std::to_string(H5Tget_size(type) * 8);
  if (cls == H5T_INTEGER) return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + bits;
  if (cls == H5T_FLOAT) return "float" + bits;
  if (cls == H5T_STRING) return "string";
  if (cls == H5T_COMPOUND) return "compound";
  return "HDF5 type class " + std::to_string(static_cast<int>(cls));
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

// True when `name` links to a dataset (not a group, not absent).
bool is_dataset(hid_t file, const char* name, const fs::path& path) {
  if (H5CALL(H5Lexists(file, name, H5P_DEFAULT), path) <= 0) return false;
  Hid obj(H5CALL(H5Oopen(file, name, H5P_DEFAULT), path), H5Oclose);
  return H5Iget_type(obj) == H5I_DATASET;
}

// What one of the pack's datasets must be: an integer type of `bytes` bytes and signedness
// `is_signed`, with `rank` dimensions; `dtype` and `layout` name them in messages.
struct DatasetSpec {
  const char* name;    // "images"
  size_t bytes;        // element size
  bool is_signed;      // two's complement, or unsigned
  size_t rank;         // dimensions
  const char* dtype;   // "uint8"
  const char* layout;  // "[N, C, H, W]"
};

constexpr DatasetSpec kImagesSpec = {"images", 1, false, 4, "uint8", "[N, C, H, W]"};
constexpr DatasetSpec kLabelsSpec = {"labels", 8, true, 1, "int64", "[N]"};

// Opens the dataset `spec` names and checks its dtype and rank; returns it and its extent.
std::pair<Hid, std::vector<hsize_t>> open_checked(hid_t file, const DatasetSpec& spec,
                                                  const fs::path& path) {
  const std::string where = path.string() + ": /" + spec.name;
  if (!is_dataset(file, spec.name, path)) {
    throw DataError(path.string() + ": no /" + spec.name + " dataset (expected " + spec.dtype +
                    " " + spec.layout + ")");
  }
  Hid ds(H5CALL(H5Dopen2(file, spec.name, H5P_DEFAULT), path), H5Dclose);
  Hid type(H5CALL(H5Dget_type(ds), path), H5Tclose);
  if (H5Tget_class(type) != H5T_INTEGER || H5Tget_size(type) != spec.bytes ||
      (H5Tget_sign(type) == H5T_SGN_2) != spec.is_signed) {
    throw DataError(where + " has dtype " + dtype_name(type) + ", expected " + spec.dtype);
  }
  auto dims = extent(ds, path);
  if (dims.size() != spec.rank) {
    throw DataError(where + " has rank " + std::to_string(dims.size()) + " " + dims_text(dims) +
                    ", expected rank " + std::to_string(spec.rank) + " " + spec.layout);
  }
  return {std::move(ds), std::move(dims)};
}

}  // namespace

OpenPack open_pack(const fs::path& path) {
  h5::silence_errors();
  const std::string f = path.string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw DataError(f + ": pack file not found (create one with ganrun data pack)");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw DataError(f + ": not an HDF5 file (expected a ganrun pack, format " + kPackFormat + ")");
  }
  OpenPack p;
  try {
    p.file = h5::open_readonly(path);
  } catch (const std::runtime_error& e) {
    throw DataError(f + ": cannot open as HDF5 (" + h5::error_stack_message() +
                    "); expected a ganrun pack, format " + kPackFormat);
  }

  const auto format = string_attr(p.file, "format", path);
  if (!format) {
    throw DataError(f + ": no format attr (expected format = " + kPackFormat +
                    ", a pack written by ganrun data pack)");
  }
  if (*format != kPackFormat) {
    throw DataError(f + ": format attr is '" + *format + "', expected " + kPackFormat);
  }

  auto [images, idims] = open_checked(p.file, kImagesSpec, path);
  p.images = std::move(images);
  if (idims[1] != 1 && idims[1] != 3) {
    throw DataError(f + ": /images has " + std::to_string(idims[1]) + " channels " +
                    dims_text(idims) + ", expected 1 or 3");
  }
  auto [labels, ldims] = open_checked(p.file, kLabelsSpec, path);
  p.labels = std::move(labels);
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

}  // namespace ganrun::data
