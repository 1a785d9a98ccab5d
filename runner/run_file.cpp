// runner/run_file.cpp — RunFileWriter (the run's state in memory, one whole-file snapshot per
// commit) and the run-file readers (summary, generator). Layout: README "HDF5 layout"; why
// snapshots and not SWMR: run_file.h. Torch-free: arrays arrive as NamedArray bytes.
#include "runner/run_file.h"

#include <hdf5.h>

#include <functional>  // std::multiplies
#include <numeric>     // std::accumulate
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include "common/atomic_file.h"  // write_bytes_atomically, is_snapshot_tmp_name
#include "data/h5_check.h"
#include "runner/eval_direction.h"
#include "runner/h5_io.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

constexpr hsize_t kRowsPerChunk = 1024;  // 1-D columns: 8 KiB chunks, cheap appends, fast reads
constexpr const char* kGeneratorFormat = "ganrun-generator-v1";

template <typename T>
void write_column(hid_t loc, const std::string& name, const std::vector<T>& v, const fs::path& p) {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);
  constexpr bool is_int = std::is_same_v<T, int64_t>;
  write_extendible(loc, name, is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE,
                   is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, {v.size()}, kRowsPerChunk,
                   v.data(), p);
}

void write_generator(hid_t file, const std::vector<NamedArray>& arrays, const fs::path& p) {
  Hid group = h5::create_group(file, "generator", /*track_order=*/true, p);
  h5::write_string_attr(group, "format", kGeneratorFormat, p);
  write_named_arrays(group, arrays, p);
}

// /toy (README "HDF5 layout"): the evaluation points' samples and fields, one row per point
// (chunk = one point), and the fixed centres and extent.
void write_toy(hid_t file, const ToyLayout& layout, const std::vector<int64_t>& steps,
               const std::vector<float>& points, const std::vector<float>& field,
               const fs::path& p) {
  Hid toy = h5::create_group(file, "toy", /*track_order=*/true, p);
  const hsize_t t = steps.size(), n = layout.points, r = layout.field_resolution;
  write_extendible(toy, "points", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {t, n, 2}, 1, points.data(), p);
  write_column(toy, "step", steps, p);
  write_extendible(toy, "field", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {t, r, r}, 1, field.data(), p);
  write_extendible(toy, "field_extent", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {4}, 4,
                   layout.extent.data(), p);
  const hsize_t k = layout.centres.size() / 2;
  write_extendible(toy, "centres", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {k, 2}, k > 0 ? k : 1,
                   layout.centres.data(), p);
  write_attr(toy, "sigma", layout.sigma, p);
}

// /eval/step and /eval/<name>: float64 columns, one row per evaluation point, each metric with
// its `better` attribute (runner/eval_direction.h). /eval/class_histogram: int64 [T, C] when
// the rows carry one. Attributes: the reference net.
void write_eval(hid_t file, const std::vector<std::string>& names,
                const std::vector<int64_t>& steps, const std::vector<std::vector<double>>& values,
                const std::vector<int64_t>& histograms, int64_t classes, const AttrMap& attrs,
                const fs::path& p) {
  Hid eval = h5::create_group(file, "eval", /*track_order=*/true, p);
  write_column(eval, "step", steps, p);
  for (size_t i = 0; i < names.size(); ++i) {
    write_column(eval, names[i], values[i], p);
    Hid column(H5CALL(H5Dopen2(eval, names[i].c_str(), H5P_DEFAULT), p), H5Dclose);
    write_attr(column, "better", std::string(eval_direction(names[i])), p);
  }
  if (classes > 0)
    write_extendible(eval, "class_histogram", H5T_STD_I64LE, H5T_NATIVE_INT64,
                     {steps.size(), static_cast<hsize_t>(classes)}, 64, histograms.data(), p);
  for (const auto& [name, value] : attrs) write_attr(eval, name, value, p);
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in array shape");
    n *= d;
  }
  return n;
}

// --- reading ------------------------------------------------------------------------------

// The last element of a 1-D dataset, or nullopt when it has no rows.
template <typename T>
std::optional<T> read_last(hid_t group, const std::string& name, const fs::path& p) {
  Hid ds(H5CALL(H5Dopen2(group, name.c_str(), H5P_DEFAULT), p), H5Dclose);
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  if (H5CALL(H5Sget_simple_extent_ndims(space), p) != 1)
    throw std::runtime_error("/metrics/" + name + " is not 1-D");
  hsize_t rows = 0;
  H5CALL(H5Sget_simple_extent_dims(space, &rows, nullptr), p);
  if (rows == 0) return std::nullopt;
  hsize_t start = rows - 1, count = 1;
  H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &count, nullptr), p);
  Hid mem(H5CALL(H5Screate_simple(1, &count, nullptr), p), H5Sclose);
  T v{};
  hid_t mtype = std::is_same_v<T, int64_t> ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
  H5CALL(H5Dread(ds, mtype, mem, space, H5P_DEFAULT, &v), p);
  return v;
}

// The last `n` elements of a 1-D dataset (fewer when it has fewer rows).
template <typename T>
std::vector<T> read_tail(hid_t group, const std::string& name, hsize_t n, const fs::path& p) {
  Hid ds(H5CALL(H5Dopen2(group, name.c_str(), H5P_DEFAULT), p), H5Dclose);
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  hsize_t rows = 0;
  H5CALL(H5Sget_simple_extent_dims(space, &rows, nullptr), p);
  hsize_t count = std::min(rows, n), start = rows - count;
  std::vector<T> out(count);
  if (count == 0) return out;
  H5CALL(H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &count, nullptr), p);
  Hid mem(H5CALL(H5Screate_simple(1, &count, nullptr), p), H5Sclose);
  hid_t mtype = std::is_same_v<T, int64_t> ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
  H5CALL(H5Dread(ds, mtype, mem, space, H5P_DEFAULT, out.data()), p);
  return out;
}

bool file_missing(const fs::path& path) {
  std::error_code ec;
  return !fs::exists(path, ec) && !ec;  // a stat error (e.g. permissions) is reported by the open
}

}  // namespace

// --- shared HDF5 helpers (runner/h5_io.h) ----------------------------------------------------

void write_attr(hid_t loc, const std::string& name, const AttrValue& value, const fs::path& p) {
  if (const auto* s = std::get_if<std::string>(&value))
    return h5::write_string_attr(loc, name, *s, p);
  const bool is_int = std::holds_alternative<int64_t>(value);
  Hid space(H5CALL(H5Screate(H5S_SCALAR), p), H5Sclose);
  Hid attr(H5CALL(H5Acreate2(loc, name.c_str(), is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, space,
                             H5P_DEFAULT, H5P_DEFAULT),
                  p),
           H5Aclose);
  if (is_int)
    H5CALL(H5Awrite(attr, H5T_NATIVE_INT64, &std::get<int64_t>(value)), p);
  else
    H5CALL(H5Awrite(attr, H5T_NATIVE_DOUBLE, &std::get<double>(value)), p);
}

// A chunked dataset, extendible along dim 0 (and along any other dim that is 0 now), written
// whole in one H5Dwrite. chunk[0] rows per chunk, the other chunk dims = the dataset's.
void write_extendible(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                      std::vector<hsize_t> dims, hsize_t chunk_rows, const void* data,
                      const fs::path& p) {
  const int rank = static_cast<int>(dims.size());
  std::vector<hsize_t> maxdims(dims), chunk(dims);
  maxdims[0] = H5S_UNLIMITED;
  chunk[0] = chunk_rows;
  for (int i = 1; i < rank; ++i) {
    if (dims[i] == 0) {  // chunk dims must be > 0 and <= fixed max dims
      maxdims[i] = H5S_UNLIMITED;
      chunk[i] = 1;
    }
  }
  Hid space(H5CALL(H5Screate_simple(rank, dims.data(), maxdims.data()), p), H5Sclose);
  Hid dcpl(H5CALL(H5Pcreate(H5P_DATASET_CREATE), p), H5Pclose);
  H5CALL(H5Pset_chunk(dcpl, rank, chunk.data()), p);
  H5CALL(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), p);  // every element is written below
  Hid ds(H5CALL(H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), p),
         H5Dclose);
  hsize_t n = std::accumulate(dims.begin(), dims.end(), hsize_t{1}, std::multiplies<>());
  if (n > 0) H5CALL(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), p);
}

AttrMap read_attrs(hid_t loc, const fs::path& p) {
  AttrMap attrs;
  for (const std::string& name : h5::attr_names(loc, p)) {
    Hid attr(H5CALL(H5Aopen(loc, name.c_str(), H5P_DEFAULT), p), H5Aclose);
    Hid type(H5CALL(H5Aget_type(attr), p), H5Tclose);
    Hid space(H5CALL(H5Aget_space(attr), p), H5Sclose);
    if (H5CALL(H5Sget_simple_extent_npoints(space), p) != 1) continue;  // only scalars
    switch (H5Tget_class(type)) {
      case H5T_STRING:
        attrs[name] = h5::read_strings(attr, /*is_attr=*/true, p).at(0);
        break;
      case H5T_INTEGER: {
        int64_t v = 0;
        H5CALL(H5Aread(attr, H5T_NATIVE_INT64, &v), p);
        attrs[name] = v;
        break;
      }
      case H5T_FLOAT: {
        double v = 0;
        H5CALL(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), p);
        attrs[name] = v;
        break;
      }
      default:
        break;  // other types are not ganrun's; skip them
    }
  }
  return attrs;
}

void write_named_arrays(hid_t group, const std::vector<NamedArray>& arrays, const fs::path& p) {
  for (const NamedArray& a : arrays) {
    std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    Hid space(
        H5CALL(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               p),
        H5Sclose);
    Hid dcpl(H5CALL(H5Pcreate(H5P_DATASET_CREATE), p), H5Pclose);
    H5CALL(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), p);
    Hid ds(H5CALL(H5Dcreate2(group, a.name.c_str(), a.is_float64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE,
                             space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  p),
           H5Dclose);
    if (!a.bytes.empty())
      H5CALL(H5Dwrite(ds, a.is_float64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                      H5P_DEFAULT, a.bytes.data()),
             p);
  }
}

std::vector<NamedArray> read_named_arrays(hid_t group, const std::string& group_name,
                                          const fs::path& path) {
  std::vector<NamedArray> arrays;
  for (const std::string& name : h5::link_names(group, path)) {
    Hid ds(H5CALL(H5Dopen2(group, name.c_str(), H5P_DEFAULT), path), H5Dclose);
    Hid type(H5CALL(H5Dget_type(ds), path), H5Tclose);
    const size_t size = H5Tget_size(type);
    if (H5Tget_class(type) != H5T_FLOAT || (size != 4 && size != 8))
      throw std::runtime_error(group_name + "/" + name + " is not float32 or float64");
    Hid space(H5CALL(H5Dget_space(ds), path), H5Sclose);
    const int rank = H5CALL(H5Sget_simple_extent_ndims(space), path);
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    H5CALL(H5Sget_simple_extent_dims(space, dims.data(), nullptr), path);
    NamedArray a;
    a.name = name;
    a.shape.assign(dims.begin(), dims.end());
    a.is_float64 = size == 8;
    a.bytes.resize(static_cast<size_t>(element_count(a.shape)) * size);
    if (!a.bytes.empty())
      H5CALL(H5Dread(ds, a.is_float64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                     H5P_DEFAULT, a.bytes.data()),
             path);
    arrays.push_back(std::move(a));
  }
  return arrays;
}

// --- RunFileWriter --------------------------------------------------------------------------

RunFileWriter::RunFileWriter(std::filesystem::path path, AttrMap attrs, std::string config_yaml,
                             std::vector<std::string> metric_names, SampleShape sample_shape)
    : path_(std::move(path)),
      attrs_(std::move(attrs)),
      config_yaml_(std::move(config_yaml)),
      metric_names_(std::move(metric_names)),
      sample_shape_(sample_shape),
      metric_values_(metric_names_.size()) {
  for (size_t i = 0; i < metric_names_.size(); ++i) {
    const std::string& m = metric_names_[i];
    if (m.empty() || m.find('/') != std::string::npos || m == "." || m == "step" || m == "wall_s")
      throw std::invalid_argument("invalid metric name '" + m + "' for " + path_.string());
    for (size_t j = 0; j < i; ++j)
      if (metric_names_[j] == m)
        throw std::invalid_argument("duplicate metric name '" + m + "' for " + path_.string());
  }
  if (sample_shape_.n < 0 || sample_shape_.c < 0 || sample_shape_.h < 0 || sample_shape_.w < 0)
    throw std::invalid_argument("negative sample shape for " + path_.string());
  attrs_["status"] = std::string("running");
  attrs_.try_emplace("error", std::string());
  attrs_.try_emplace("stop_step", int64_t{-1});
}

void RunFileWriter::append_metrics(int64_t step, double wall_s, const std::vector<double>& values) {
  if (values.size() != metric_names_.size())
    throw std::invalid_argument("append_metrics: " + std::to_string(values.size()) +
                                " values for " + std::to_string(metric_names_.size()) +
                                " metrics (" + path_.string() + ")");
  metric_steps_.push_back(step);
  metric_wall_.push_back(wall_s);
  for (size_t i = 0; i < values.size(); ++i) metric_values_[i].push_back(values[i]);
}

void RunFileWriter::append_samples(int64_t step, const std::vector<uint8_t>& images) {
  const auto& s = sample_shape_;
  const auto expected = static_cast<size_t>(s.n * s.c * s.h * s.w);
  if (images.size() != expected)
    throw std::invalid_argument("append_samples: " + std::to_string(images.size()) +
                                " bytes, expected n*c*h*w = " + std::to_string(expected) + " (" +
                                path_.string() + ")");
  sample_steps_.push_back(step);
  sample_images_.insert(sample_images_.end(), images.begin(), images.end());
}

void RunFileWriter::set_attr(const std::string& name, AttrValue value) {
  if (name.empty()) throw std::invalid_argument("empty attribute name for " + path_.string());
  attrs_[name] = std::move(value);
}

void RunFileWriter::set_toy_layout(ToyLayout layout) {
  if (layout.points < 0 || layout.field_resolution < 0 || layout.centres.size() % 2 != 0)
    throw std::invalid_argument("invalid toy layout for " + path_.string());
  toy_ = std::move(layout);
}

void RunFileWriter::append_toy(int64_t step, const std::vector<float>& points,
                               const std::vector<float>& field) {
  if (!toy_)
    throw std::invalid_argument("append_toy before set_toy_layout (" + path_.string() + ")");
  const auto n = static_cast<size_t>(toy_->points), r = static_cast<size_t>(toy_->field_resolution);
  if (points.size() != n * 2 || field.size() != r * r)
    throw std::invalid_argument("append_toy: " + std::to_string(points.size()) +
                                " coordinates and " + std::to_string(field.size()) +
                                " field values, expected " + std::to_string(n * 2) + " and " +
                                std::to_string(r * r) + " (" + path_.string() + ")");
  toy_steps_.push_back(step);
  toy_points_.insert(toy_points_.end(), points.begin(), points.end());
  toy_field_.insert(toy_field_.end(), field.begin(), field.end());
}

void RunFileWriter::append_eval(int64_t step,
                                const std::vector<std::pair<std::string, double>>& values,
                                const std::vector<int64_t>& class_histogram) {
  if (eval_steps_.empty() && eval_names_.empty()) {
    for (const auto& [name, value] : values) {
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "step")
        throw std::invalid_argument("invalid eval metric name '" + name + "' for " +
                                    path_.string());
      for (const auto& seen : eval_names_)
        if (seen == name)
          throw std::invalid_argument("duplicate eval metric name '" + name + "' for " +
                                      path_.string());
      eval_names_.push_back(name);
    }
    eval_values_.assign(eval_names_.size(), {});
  }
  bool same = values.size() == eval_names_.size();
  for (size_t i = 0; same && i < values.size(); ++i) same = values[i].first == eval_names_[i];
  if (!same)
    throw std::invalid_argument("append_eval: the metric names differ from the first row's (" +
                                path_.string() + ")");
  if (!class_histogram.empty()) {
    const auto classes = static_cast<int64_t>(class_histogram.size());
    if (eval_classes_ != 0 && eval_classes_ != classes)
      throw std::invalid_argument("append_eval: a class histogram of " + std::to_string(classes) +
                                  " classes after " + std::to_string(eval_classes_) + " (" +
                                  path_.string() + ")");
    if (eval_classes_ == 0 && !eval_steps_.empty())
      throw std::invalid_argument("append_eval: a class histogram after rows without one (" +
                                  path_.string() + ")");
    eval_classes_ = classes;
    eval_histograms_.insert(eval_histograms_.end(), class_histogram.begin(), class_histogram.end());
  } else if (eval_classes_ != 0) {
    throw std::invalid_argument("append_eval: a row without the class histogram (" +
                                path_.string() + ")");
  }
  eval_steps_.push_back(step);
  for (size_t i = 0; i < values.size(); ++i) eval_values_[i].push_back(values[i].second);
}

void RunFileWriter::set_eval_attr(const std::string& name, AttrValue value) {
  if (name.empty()) throw std::invalid_argument("empty /eval attribute name for " + path_.string());
  eval_attrs_[name] = std::move(value);
}

void RunFileWriter::set_status(const std::string& status, const std::string& error,
                               int64_t stop_step) {
  attrs_["status"] = status;
  attrs_["error"] = error;
  attrs_["stop_step"] = stop_step;
}

void RunFileWriter::set_generator(std::vector<NamedArray> arrays) {
  for (const NamedArray& a : arrays) {
    const int64_t need = element_count(a.shape) * (a.is_float64 ? 8 : 4);
    if (a.name.empty() || a.name.find('/') != std::string::npos || a.name == ".")
      throw std::invalid_argument("invalid generator array name '" + a.name + "'");
    if (static_cast<int64_t>(a.bytes.size()) != need)
      throw std::invalid_argument("generator array '" + a.name +
                                  "': " + std::to_string(a.bytes.size()) + " bytes, shape needs " +
                                  std::to_string(need));
  }
  generator_ = std::move(arrays);
}

void RunFileWriter::commit() {
  h5::silence_errors();
  // The snapshot is built in memory and written by write_bytes_atomically: HDF5 never meets a
  // failing disk (h5_check.h, create_in_memory).
  std::vector<char> image;
  {
    Hid file = h5::create_in_memory(path_);
    {  // every object is closed at the end of this block, before the file's checked close
      for (const auto& [name, value] : attrs_) write_attr(file, name, value, path_);
      h5::write_strings(file, "config", {config_yaml_}, /*scalar=*/true, path_);

      Hid metrics = h5::create_group(file, "metrics", /*track_order=*/true, path_);
      write_column(metrics, "step", metric_steps_, path_);
      write_column(metrics, "wall_s", metric_wall_, path_);
      for (size_t i = 0; i < metric_names_.size(); ++i)
        write_column(metrics, metric_names_[i], metric_values_[i], path_);

      Hid samples = h5::create_group(file, "samples", /*track_order=*/false, path_);
      const auto& s = sample_shape_;
      std::vector<hsize_t> dims = {sample_steps_.size(), hsize_t(s.n), hsize_t(s.c), hsize_t(s.h),
                                   hsize_t(s.w)};
      write_extendible(samples, "images", H5T_STD_U8LE, H5T_NATIVE_UINT8, dims,
                       /*chunk_rows=*/1, sample_images_.data(), path_);  // chunk = one grid
      write_column(samples, "step", sample_steps_, path_);

      if (!generator_.empty()) write_generator(file, generator_, path_);
      if (toy_) write_toy(file, *toy_, toy_steps_, toy_points_, toy_field_, path_);
      if (!eval_names_.empty())
        write_eval(file, eval_names_, eval_steps_, eval_values_, eval_histograms_, eval_classes_,
                   eval_attrs_, path_);
    }
    image = h5::file_image(file, path_);
    H5CALL(file.close(), path_);
  }
  write_bytes_atomically(path_, image.data(), image.size(), "the run file");
}

// --- readers ------------------------------------------------------------------------------

std::optional<RunFileSummary> read_run_summary(const std::filesystem::path& path) {
  h5::silence_errors();
  if (file_missing(path)) return std::nullopt;
  try {
    Hid file = h5::open_readonly(path);
    RunFileSummary s;
    s.attrs = read_attrs(file, path);
    auto status = s.attrs.find("status");
    if (status == s.attrs.end() || !std::holds_alternative<std::string>(status->second))
      throw std::runtime_error("no string attribute 'status'");
    s.status = std::get<std::string>(status->second);

    Hid config(H5CALL(H5Dopen2(file, "config", H5P_DEFAULT), path), H5Dclose);
    auto text = h5::read_strings(config, /*is_attr=*/false, path);
    if (text.size() != 1) throw std::runtime_error("/config is not one string");
    s.config_yaml = std::move(text[0]);

    Hid metrics(H5CALL(H5Gopen2(file, "metrics", H5P_DEFAULT), path), H5Gclose);
    s.last_step = read_last<int64_t>(metrics, "step", path).value_or(-1);
    for (const std::string& name : h5::link_names(metrics, path)) {
      if (name == "step" || name == "wall_s") continue;
      s.metric_names.push_back(name);
      if (auto v = read_last<double>(metrics, name, path)) s.last_metrics[name] = *v;
    }
    const auto steps = read_tail<int64_t>(metrics, "step", 2, path);
    const auto wall = read_tail<double>(metrics, "wall_s", 2, path);
    if (steps.size() == 2 && wall.size() == 2 && wall[1] > wall[0])
      s.steps_per_second = static_cast<double>(steps[1] - steps[0]) / (wall[1] - wall[0]);
    if (H5CALL(H5Lexists(file, "eval", H5P_DEFAULT), path) > 0) {
      Hid eval(H5CALL(H5Gopen2(file, "eval", H5P_DEFAULT), path), H5Gclose);
      for (const std::string& name : h5::link_names(eval, path)) {
        if (name == "step" || name == "class_histogram") continue;
        if (auto v = read_last<double>(eval, name, path)) s.last_eval[name] = *v;
      }
    }
    return s;
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": not a readable ganrun run file: " + e.what());
  }
}

std::vector<NamedArray> read_generator(const std::filesystem::path& path) {
  h5::silence_errors();
  if (file_missing(path)) throw std::runtime_error(path.string() + ": no such run file");
  try {
    Hid file = h5::open_readonly(path);
    if (H5CALL(H5Lexists(file, "generator", H5P_DEFAULT), path) <= 0)
      throw std::runtime_error("no /generator group (it is written when a run ends)");
    Hid group(H5CALL(H5Gopen2(file, "generator", H5P_DEFAULT), path), H5Gclose);
    return read_named_arrays(group, "/generator", path);
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": cannot read the generator: " + e.what());
  }
}

void remove_stale_snapshots(const std::filesystem::path& runs_dir) {
  std::error_code ec;
  if (!fs::is_directory(runs_dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(runs_dir)) {
    if (entry.is_regular_file(ec) && is_snapshot_tmp_name(entry.path().filename().string()))
      fs::remove(entry.path());  // a file already gone (another rank's sweep) is not an error
  }
}

}  // namespace ganrun
