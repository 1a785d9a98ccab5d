// runner/run_file_eval.cpp — append_eval_row (runner/run_file.h): one evaluation row added to a
// finished run's file. The file is read whole, opened as an in-memory HDF5 image, extended
// there and written back by write-then-rename, so a reader sees either the old file or the new
// one and a kill leaves the old one.
#include <hdf5.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/atomic_file.h"  // write_bytes_atomically
#include "data/h5_check.h"
#include "runner/h5_io.h"
#include "runner/run_file.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

std::vector<char> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open the run file");
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

// The file's bytes opened read-write in memory (HDF5's core driver, no backing store).
Hid open_image(std::vector<char>& bytes, const fs::path& path) {
  Hid fapl(H5CALL(H5Pcreate(H5P_FILE_ACCESS), path), H5Pclose);
  H5CALL(H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI), path);
  H5CALL(H5Pset_fapl_core(fapl, size_t{1} << 20, /*backing_store=*/false), path);
  H5CALL(H5Pset_file_image(fapl, bytes.data(), bytes.size()), path);
  // The image's name must not be an open file's: HDF5 would take it for a second open of the
  // run file (read for its summary moments ago) and refuse.
  const std::string name = "ganrun-eval-image:" + path.string();
  return Hid(H5CALL(H5Fopen(name.c_str(), H5F_ACC_RDWR, fapl), path), H5Fclose);
}

hsize_t rows_of(hid_t ds, const fs::path& p) {
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  hsize_t dims[2] = {0, 0};
  H5CALL(H5Sget_simple_extent_dims(space, dims, nullptr), p);
  return dims[0];
}

// Grows a 1-D column (or a [T, C] array) by one row and writes `value` (C values) into it.
template <typename T>
void append_to(hid_t ds, const T* value, hsize_t cols, hid_t mem_type, const fs::path& p) {
  const hsize_t rows = rows_of(ds, p);
  const int rank = cols == 0 ? 1 : 2;
  hsize_t dims[2] = {rows + 1, cols};
  H5CALL(H5Dset_extent(ds, dims), p);
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  hsize_t start[2] = {rows, 0}, count[2] = {1, cols};
  H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), p);
  Hid mem(H5CALL(H5Screate_simple(rank, count, nullptr), p), H5Sclose);
  H5CALL(H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, value), p);
}

}  // namespace

void append_eval_row(const std::filesystem::path& path, const EvalRow& row) {
  h5::silence_errors();
  std::vector<char> bytes = read_bytes(path);
  std::vector<char> image;
  {
    Hid file = open_image(bytes, path);
    {
      const bool exists = H5CALL(H5Lexists(file, "eval", H5P_DEFAULT), path) > 0;
      Hid eval = exists ? Hid(H5CALL(H5Gopen2(file, "eval", H5P_DEFAULT), path), H5Gclose)
                        : h5::create_group(file, "eval", /*track_order=*/true, path);
      const AttrMap old_attrs = read_attrs(eval, path);
      const auto old_ref = old_attrs.find("reference_sha256");
      const auto new_ref = row.attrs.find("reference_sha256");
      if (old_ref != old_attrs.end() && new_ref != row.attrs.end() &&
          old_ref->second != new_ref->second)
        throw std::runtime_error(
            path.string() + ": /eval holds numbers from reference net " +
            std::get<std::string>(old_ref->second) + ", this evaluation used " +
            std::get<std::string>(new_ref->second) +
            "; evaluate with the same reference (--reference FILE) so the series are comparable");

      hsize_t rows = 0;
      if (exists) {
        Hid step(H5CALL(H5Dopen2(eval, "step", H5P_DEFAULT), path), H5Dclose);
        rows = rows_of(step, path);
        append_to(static_cast<hid_t>(step), &row.step, 0, H5T_NATIVE_INT64, path);
      } else {
        write_extendible(eval, "step", H5T_STD_I64LE, H5T_NATIVE_INT64, {1}, 1024, &row.step, path);
      }
      // Existing columns: this row's value or NaN.
      for (const std::string& name : h5::link_names(eval, path)) {
        if (name == "step" || name == "class_histogram") continue;
        double value = NAN;
        for (const auto& [n, v] : row.values)
          if (n == name) value = v;
        Hid ds(H5CALL(H5Dopen2(eval, name.c_str(), H5P_DEFAULT), path), H5Dclose);
        append_to(static_cast<hid_t>(ds), &value, 0, H5T_NATIVE_DOUBLE, path);
      }
      // New columns: NaN in the earlier rows.
      for (const auto& [name, value] : row.values) {
        if (H5CALL(H5Lexists(eval, name.c_str(), H5P_DEFAULT), path) > 0) continue;
        std::vector<double> column(rows, NAN);
        column.push_back(value);
        write_extendible(eval, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {column.size()}, 1024,
                         column.data(), path);
      }
      const bool has_histogram = H5CALL(H5Lexists(eval, "class_histogram", H5P_DEFAULT), path) > 0;
      if (has_histogram || !row.class_histogram.empty()) {
        Hid ds = has_histogram
                     ? Hid(H5CALL(H5Dopen2(eval, "class_histogram", H5P_DEFAULT), path), H5Dclose)
                     : Hid();
        hsize_t classes = row.class_histogram.size();
        if (has_histogram) {
          Hid space(H5CALL(H5Dget_space(ds), path), H5Sclose);
          hsize_t dims[2] = {0, 0};
          H5CALL(H5Sget_simple_extent_dims(space, dims, nullptr), path);
          if (!row.class_histogram.empty() && dims[1] != classes)
            throw std::runtime_error(path.string() + ": /eval/class_histogram has " +
                                     std::to_string(dims[1]) + " classes, this row " +
                                     std::to_string(classes));
          classes = dims[1];
          std::vector<int64_t> value = row.class_histogram;
          if (value.empty()) value.assign(classes, -1);
          append_to(static_cast<hid_t>(ds), value.data(), classes, H5T_NATIVE_INT64, path);
        } else {
          std::vector<int64_t> all(rows * classes, -1);
          all.insert(all.end(), row.class_histogram.begin(), row.class_histogram.end());
          write_extendible(eval, "class_histogram", H5T_STD_I64LE, H5T_NATIVE_INT64,
                           {rows + 1, classes}, 64, all.data(), path);
        }
      }
      for (const auto& [name, value] : row.attrs) {
        if (H5CALL(H5Aexists(eval, name.c_str()), path) > 0)
          H5CALL(H5Adelete(eval, name.c_str()), path);
        write_attr(eval, name, value, path);
      }
    }
    image = h5::file_image(file, path);
    H5CALL(file.close(), path);
  }
  write_bytes_atomically(path, image.data(), image.size(), "the run file");
}

}  // namespace ganrun
