// data/h5_check.h — H5CALL (a failed HDF5 C call becomes std::runtime_error naming the call,
// file:line, the HDF5 file involved and HDF5's own message), Hid (an owning identifier) and the
// few string/array helpers shared by the HDF5 code of data/ (packs) and runner/ (run files,
// the sweep index). Lives in data/, the lowest folder that uses HDF5.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <cstring>  // std::strlen
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>  // std::exchange
#include <vector>

namespace ganrun::h5 {

// Errors become exceptions: keep HDF5 from printing its error stack to stderr (per thread).
inline void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

// The outermost and innermost descriptions on HDF5's current error stack, e.g. "unable to
// create file (unable to open file: ... errno = 2, error message = 'No such file ...')".
inline std::string error_stack_message() {
  struct Walk {
    std::string outer, inner;
  } walk;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* w = static_cast<Walk*>(data);
        std::string desc = e->desc ? e->desc : "";
        if (n == 0) w->outer = desc;
        w->inner = desc;
        return 0;
      },
      &walk);
  if (walk.inner.empty() || walk.inner == walk.outer) return walk.outer;
  return walk.outer + " (" + walk.inner + ")";
}

[[noreturn]] inline void fail(const char* call, const char* file, int line,
                              const std::filesystem::path& path) {
  std::string msg = std::string(call) + " failed at " +
                    std::filesystem::path(file).filename().string() + ":" + std::to_string(line) +
                    " on " + path.string();
  std::string hdf5 = error_stack_message();
  if (!hdf5.empty()) msg += ": " + hdf5;
  throw std::runtime_error(msg);
}

// Returns result (an hid_t, herr_t or htri_t) unless it is negative, HDF5's failure value.
template <typename T>
T check(T result, const char* call, const char* file, int line, const std::filesystem::path& path) {
  if (result < 0) fail(call, file, line, path);
  return result;
}

}  // namespace ganrun::h5

// H5CALL(H5Fcreate(...), path): the call's result, or an exception naming call and path.
// (Our H5CHECK: that name is taken, hdf5.h defines H5CHECK and its H5F_ACC_* flags expand to it.)
#define H5CALL(call, path) ::ganrun::h5::check((call), #call, __FILE__, __LINE__, (path))

namespace ganrun::h5 {

// An owning HDF5 identifier closed by its type's close function (H5Fclose, H5Dclose, ...).
// close() reports the close's own failure (a file's close flushes); the destructor ignores it.
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      closer_ = o.closer_;
    }
    return *this;
  }
  ~Hid() { reset(); }

  operator hid_t() const { return id_; }  // NOLINT: used where the C API wants an hid_t
  herr_t close() { return id_ >= 0 ? closer_(std::exchange(id_, -1)) : 0; }
  void reset() { (void)close(); }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

// Variable-length UTF-8 string type: h5py reads such attributes as `str` (fixed-length strings
// come back as numpy.bytes_).
inline Hid vlen_utf8_type(const std::filesystem::path& path) {
  Hid t(H5CALL(H5Tcopy(H5T_C_S1), path), H5Tclose);
  H5CALL(H5Tset_size(t, H5T_VARIABLE), path);
  H5CALL(H5Tset_cset(t, H5T_CSET_UTF8), path);
  return t;
}

inline void write_string_attr(hid_t loc, const std::string& name, const std::string& value,
                              const std::filesystem::path& path) {
  Hid type = vlen_utf8_type(path);
  Hid space(H5CALL(H5Screate(H5S_SCALAR), path), H5Sclose);
  Hid attr(H5CALL(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), path),
           H5Aclose);
  const char* p = value.c_str();
  H5CALL(H5Awrite(attr, type, &p), path);
}

// A 1-D (or, with values.size() == 1 and scalar, a scalar) UTF-8 string dataset.
inline void write_strings(hid_t loc, const std::string& name,
                          const std::vector<std::string>& values, bool scalar,
                          const std::filesystem::path& path) {
  Hid type = vlen_utf8_type(path);
  hsize_t dims[1] = {values.size()};
  Hid space(H5CALL(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, nullptr), path),
            H5Sclose);
  Hid ds(H5CALL(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                path),
         H5Dclose);
  if (values.empty()) return;
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  H5CALL(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), path);
}

// Reads every element of a string attribute (is_attr) or dataset, variable- or fixed-length.
inline std::vector<std::string> read_strings(hid_t obj, bool is_attr,
                                             const std::filesystem::path& path) {
  Hid ftype(H5CALL(is_attr ? H5Aget_type(obj) : H5Dget_type(obj), path), H5Tclose);
  if (H5CALL(H5Tget_class(ftype), path) != H5T_STRING)
    throw std::runtime_error(path.string() + ": expected a string attribute or dataset");
  Hid space(H5CALL(is_attr ? H5Aget_space(obj) : H5Dget_space(obj), path), H5Sclose);
  auto n = static_cast<size_t>(H5CALL(H5Sget_simple_extent_npoints(space), path));
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5CALL(H5Tis_variable_str(ftype), path) > 0) {
    Hid mtype = vlen_utf8_type(path);
    H5CALL(H5Tset_cset(mtype, H5Tget_cset(ftype)), path);
    std::vector<char*> ptrs(n, nullptr);
    herr_t rc = is_attr ? H5Aread(obj, mtype, ptrs.data())
                        : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    for (char* p : ptrs) {
      out.emplace_back(p ? p : "");
      if (p) H5free_memory(p);
    }
    H5CALL(rc, path);
    return out;
  }
  size_t size = H5Tget_size(ftype);
  Hid mtype(H5CALL(H5Tcopy(ftype), path), H5Tclose);
  std::vector<char> buf(n * size + 1, '\0');
  H5CALL(is_attr ? H5Aread(obj, mtype, buf.data())
                 : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
         path);
  bool spacepad = H5Tget_strpad(ftype) == H5T_STR_SPACEPAD;
  for (size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * size, size);
    s.resize(std::strlen(s.c_str()));
    if (spacepad) s.erase(s.find_last_not_of(' ') + 1);
    out.push_back(std::move(s));
  }
  return out;
}

// Creates (truncating) a file that HDF5 >= 1.8 and h5py read; objects must be closed before it.
inline Hid create_file(const std::filesystem::path& path) {
  Hid fapl(H5CALL(H5Pcreate(H5P_FILE_ACCESS), path), H5Pclose);
  H5CALL(H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), path);
  H5CALL(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), path);  // close() fails if objects are open
  H5CALL(H5Pset_file_locking(fapl, false, true), path);      // a private tmp file: no lock needed
  return Hid(H5CALL(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), path), H5Fclose);
}

// Creates a file in memory (HDF5's core driver, no backing store) with create_file's properties.
// HDF5 never touches the disk for it: file_image gives the bytes, which the caller writes
// itself (common/atomic_file.h), so a failing disk (full, over quota, EFBIG) fails in ganrun's
// own write and never inside HDF5, whose 1.10.8 crashes at exit after an H5Fclose that failed.
// `name` only names the file in HDF5 and in messages.
inline Hid create_in_memory(const std::filesystem::path& name) {
  constexpr size_t kIncrement = size_t{1} << 20;  // the image grows by 1 MiB at a time
  Hid fapl(H5CALL(H5Pcreate(H5P_FILE_ACCESS), name), H5Pclose);
  H5CALL(H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), name);
  H5CALL(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), name);
  H5CALL(H5Pset_fapl_core(fapl, kIncrement, /*backing_store=*/false), name);
  return Hid(H5CALL(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), name), H5Fclose);
}

// The complete bytes of a file made by create_in_memory, once every object in it is closed.
inline std::vector<char> file_image(hid_t file, const std::filesystem::path& name) {
  H5CALL(H5Fflush(file, H5F_SCOPE_LOCAL), name);
  const ssize_t size = H5CALL(H5Fget_file_image(file, nullptr, 0), name);
  std::vector<char> image(static_cast<size_t>(size));
  H5CALL(H5Fget_file_image(file, image.data(), image.size()), name);
  return image;
}

// Opens read-only with default access properties: HDF5 refuses a second open of one file in a
// process with different file-locking flags, and HDF5_USE_FILE_LOCKING=FALSE still applies.
inline Hid open_readonly(const std::filesystem::path& path) {
  return Hid(H5CALL(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path), H5Fclose);
}

// A group; track_order keeps its links' creation order (read back by link_names).
inline Hid create_group(hid_t loc, const char* name, bool track_order,
                        const std::filesystem::path& path) {
  Hid gcpl(H5CALL(H5Pcreate(H5P_GROUP_CREATE), path), H5Pclose);
  if (track_order)
    H5CALL(H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), path);
  return Hid(H5CALL(H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT), path), H5Gclose);
}

// An iteration callback (H5Literate, H5Aiterate2) appending each name to the
// std::vector<std::string> passed as `names`.
template <typename Info>
herr_t collect_name(hid_t, const char* name, const Info*, void* names) {
  static_cast<std::vector<std::string>*>(names)->emplace_back(name);
  return 0;
}

// The names of a group's links: in creation order where the group tracks it, else by name.
inline std::vector<std::string> link_names(hid_t group, const std::filesystem::path& path) {
  Hid gcpl(H5CALL(H5Gget_create_plist(group), path), H5Pclose);
  unsigned order = 0;
  H5CALL(H5Pget_link_creation_order(gcpl, &order), path);
  H5_index_t index = (order & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  H5CALL(H5Literate(group, index, H5_ITER_INC, nullptr, collect_name<H5L_info_t>, &names), path);
  return names;
}

// The names of an object's attributes, in name order.
inline std::vector<std::string> attr_names(hid_t loc, const std::filesystem::path& path) {
  std::vector<std::string> names;
  H5CALL(H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name<H5A_info_t>, &names),
         path);
  return names;
}

}  // namespace ganrun::h5
