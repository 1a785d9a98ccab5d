// runner/run_file_resume.cpp — RunFileWriter::resume_rows (runner/run_file.h): a resumed run's
// writer takes over the rows its file holds up to the checkpoint's step and drops the later
// ones (written after the checkpoint by the attempt that was interrupted).
#include <hdf5.h>

#include <stdexcept>

#include "data/h5_check.h"
#include "runner/h5_io.h"
#include "runner/run_file.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

// A whole dataset of `group` and its dimensions.
template <typename T>
std::vector<T> read_all(hid_t group, const std::string& name, hid_t mem_type,
                        std::vector<hsize_t>* dims, const fs::path& p) {
  Hid ds(H5CALL(H5Dopen2(group, name.c_str(), H5P_DEFAULT), p), H5Dclose);
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  const int rank = H5CALL(H5Sget_simple_extent_ndims(space), p);
  std::vector<hsize_t> d(static_cast<size_t>(rank));
  if (rank > 0) H5CALL(H5Sget_simple_extent_dims(space, d.data(), nullptr), p);
  hsize_t n = 1;
  for (const hsize_t x : d) n *= x;
  std::vector<T> out(n);
  if (n > 0) H5CALL(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), p);
  if (dims != nullptr) *dims = d;
  return out;
}

bool has(hid_t loc, const char* name, const fs::path& p) {
  return H5CALL(H5Lexists(loc, name, H5P_DEFAULT), p) > 0;
}

// How many leading rows of `steps` are at or before `step` (rows are in step order).
size_t rows_until(const std::vector<int64_t>& steps, int64_t step) {
  size_t n = 0;
  while (n < steps.size() && steps[n] <= step) ++n;
  return n;
}

template <typename T>
std::vector<T> first_rows(const std::vector<T>& v, size_t rows, size_t per_row) {
  return std::vector<T>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rows * per_row));
}

}  // namespace

AttrMap RunFileWriter::resume_rows(const fs::path& from, int64_t step) {
  h5::silence_errors();
  try {
    Hid file = h5::open_readonly(from);
    const AttrMap attrs = read_attrs(file, from);

    Hid metrics(H5CALL(H5Gopen2(file, "metrics", H5P_DEFAULT), from), H5Gclose);
    const auto steps = read_all<int64_t>(metrics, "step", H5T_NATIVE_INT64, nullptr, from);
    const size_t keep = rows_until(steps, step);
    metric_steps_ = first_rows(steps, keep, 1);
    metric_wall_ =
        first_rows(read_all<double>(metrics, "wall_s", H5T_NATIVE_DOUBLE, nullptr, from), keep, 1);
    for (size_t i = 0; i < metric_names_.size(); ++i) {
      if (!has(metrics, metric_names_[i].c_str(), from))
        throw std::runtime_error("no /metrics/" + metric_names_[i] + " (another variant's file?)");
      metric_values_[i] = first_rows(
          read_all<double>(metrics, metric_names_[i], H5T_NATIVE_DOUBLE, nullptr, from), keep, 1);
    }

    const auto& s = sample_shape_;
    if (has(file, "samples", from) && s.n > 0) {
      Hid samples(H5CALL(H5Gopen2(file, "samples", H5P_DEFAULT), from), H5Gclose);
      const auto sample_steps = read_all<int64_t>(samples, "step", H5T_NATIVE_INT64, nullptr, from);
      const size_t rows = rows_until(sample_steps, step);
      sample_steps_ = first_rows(sample_steps, rows, 1);
      sample_images_ =
          first_rows(read_all<uint8_t>(samples, "images", H5T_NATIVE_UINT8, nullptr, from), rows,
                     static_cast<size_t>(s.n * s.c * s.h * s.w));
    }

    if (has(file, "toy", from)) {
      Hid toy(H5CALL(H5Gopen2(file, "toy", H5P_DEFAULT), from), H5Gclose);
      ToyLayout layout;
      std::vector<hsize_t> points_dims, field_dims;
      const auto toy_steps = read_all<int64_t>(toy, "step", H5T_NATIVE_INT64, nullptr, from);
      const auto points = read_all<float>(toy, "points", H5T_NATIVE_FLOAT, &points_dims, from);
      const auto field = read_all<float>(toy, "field", H5T_NATIVE_FLOAT, &field_dims, from);
      layout.points = static_cast<int64_t>(points_dims.at(1));
      layout.field_resolution = static_cast<int64_t>(field_dims.at(1));
      layout.centres = read_all<double>(toy, "centres", H5T_NATIVE_DOUBLE, nullptr, from);
      const auto extent = read_all<double>(toy, "field_extent", H5T_NATIVE_DOUBLE, nullptr, from);
      for (size_t i = 0; i < layout.extent.size(); ++i) layout.extent[i] = extent.at(i);
      const AttrMap toy_attrs = read_attrs(toy, from);
      if (auto it = toy_attrs.find("sigma"); it != toy_attrs.end())
        layout.sigma = std::get<double>(it->second);
      const size_t rows = rows_until(toy_steps, step);
      toy_ = layout;
      toy_steps_ = first_rows(toy_steps, rows, 1);
      toy_points_ = first_rows(points, rows, static_cast<size_t>(layout.points * 2));
      toy_field_ = first_rows(
          field, rows, static_cast<size_t>(layout.field_resolution * layout.field_resolution));
    }

    if (has(file, "eval", from)) {
      Hid eval(H5CALL(H5Gopen2(file, "eval", H5P_DEFAULT), from), H5Gclose);
      const auto eval_steps = read_all<int64_t>(eval, "step", H5T_NATIVE_INT64, nullptr, from);
      const size_t rows = rows_until(eval_steps, step);
      eval_attrs_ = read_attrs(eval, from);
      eval_names_.clear();
      eval_values_.clear();
      eval_histograms_.clear();
      eval_classes_ = 0;
      for (const std::string& name : h5::link_names(eval, from)) {
        if (name == "step") continue;
        if (name == "class_histogram") {
          std::vector<hsize_t> dims;
          const auto h = read_all<int64_t>(eval, name, H5T_NATIVE_INT64, &dims, from);
          eval_classes_ = static_cast<int64_t>(dims.at(1));
          eval_histograms_ = first_rows(h, rows, static_cast<size_t>(eval_classes_));
          continue;
        }
        eval_names_.push_back(name);
        eval_values_.push_back(
            first_rows(read_all<double>(eval, name, H5T_NATIVE_DOUBLE, nullptr, from), rows, 1));
      }
      eval_steps_ = first_rows(eval_steps, rows, 1);
    }
    return attrs;
  } catch (const std::exception& e) {
    // Nothing half-taken: the writer is left as a fresh run's.
    metric_steps_.clear();
    metric_wall_.clear();
    for (auto& column : metric_values_) column.clear();
    sample_steps_.clear();
    sample_images_.clear();
    toy_.reset();
    toy_steps_.clear();
    toy_points_.clear();
    toy_field_.clear();
    eval_names_.clear();
    eval_steps_.clear();
    eval_values_.clear();
    eval_histograms_.clear();
    eval_classes_ = 0;
    eval_attrs_.clear();
    throw std::runtime_error(from.string() + ": cannot resume from this run file: " + e.what());
  }
}

}  // namespace ganrun
