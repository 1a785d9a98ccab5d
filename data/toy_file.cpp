// data/toy_file.cpp — toy-file: 2-D points read from a CSV (x,y rows, one optional header
// line) or a MATLAB .mat file (matio), validated as they are read: every fault is a DataError
// naming the file (and line or variable) and what was expected. The generated toy sets:
// toy_sets.cpp. The .mat reader needs libmatio: built only with the matio component
// (common/build_components.h); without it a .mat file is refused with the way to build it in.
#include "common/build_components.h"  // GANRUN_WITH_MATIO

#if GANRUN_WITH_MATIO
#include <matio.h>  // Mat_Open, Mat_VarReadNextInfo, Mat_VarRead, Mat_VarFree
#endif

#include <cctype>    // std::tolower
#include <charconv>  // std::from_chars
#include <cmath>     // std::isfinite
#include <fstream>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "data/data_error.h"
#include "data/toy_sets.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// The fewest points a points file may hold.
constexpr int64_t kMinFilePoints = 2;

torch::TensorOptions f64() { return torch::TensorOptions().dtype(torch::kFloat64); }

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  const size_t a = s.find_first_not_of(ws);
  if (a == std::string_view::npos) return "";
  return std::string(s.substr(a, s.find_last_not_of(ws) - a + 1));
}

std::optional<double> parse_number(const std::string& field) {
  std::string_view s = field;
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);  // from_chars refuses a '+' sign
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(trim(std::string_view(line).substr(start, comma - start)));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

ToySet file_set(std::vector<double> xy, const fs::path& path) {
  const auto n = static_cast<int64_t>(xy.size() / 2);
  if (n < kMinFilePoints) {
    throw DataError(path.string() + ": " + std::to_string(n) + " points, expected at least " +
                    std::to_string(kMinFilePoints));
  }
  ToySet set;
  set.name = "toy-file";
  set.points = torch::from_blob(xy.data(), {n, 2}, f64()).clone();
  set.centres = torch::empty({0, 2}, f64());
  return set;
}

// One header line allowed (first field not a number); every other non-blank line is "x,y".
ToySet read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path.string() + ": cannot open the points file");
  std::vector<double> xy;
  std::string line;
  bool first = true;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (trim(line).empty()) continue;
    const std::vector<std::string> fields = split_commas(line);
    const std::string where = path.string() + ":" + std::to_string(line_no) + ": ";
    if (first && !parse_number(fields[0])) {
      first = false;
      continue;  // a header line such as "x,y"
    }
    first = false;
    if (fields.size() != 2) {
      throw DataError(where + std::to_string(fields.size()) +
                      " fields, expected two numbers separated by a comma (x,y)");
    }
    for (size_t i = 0; i < 2; ++i) {
      const auto v = parse_number(fields[i]);
      if (!v || !std::isfinite(*v)) {
        throw DataError(where + "field " + std::to_string(i + 1) + " '" + fields[i] +
                        "' is not a finite number (expected x,y)");
      }
      xy.push_back(*v);
    }
  }
  if (in.bad()) throw DataError(path.string() + ": read error");
  return file_set(std::move(xy), path);
}

#if GANRUN_WITH_MATIO
struct MatCloser {
  void operator()(mat_t* m) const { Mat_Close(m); }
};
struct VarFreer {
  void operator()(matvar_t* v) const { Mat_VarFree(v); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFreer>;

bool is_point_matrix(const matvar_t& v) {
  return (v.class_type == MAT_C_DOUBLE || v.class_type == MAT_C_SINGLE) && v.isComplex == 0 &&
         v.rank == 2 && (v.dims[0] == 2 || v.dims[1] == 2);
}

// matio's class names, as MATLAB's class() gives them, for messages.
std::string class_name(matio_classes c) {
  static constexpr std::pair<matio_classes, const char*> kNames[] = {
      {MAT_C_DOUBLE, "double"}, {MAT_C_SINGLE, "single"}, {MAT_C_INT8, "int8"},
      {MAT_C_UINT8, "uint8"},   {MAT_C_INT16, "int16"},   {MAT_C_UINT16, "uint16"},
      {MAT_C_INT32, "int32"},   {MAT_C_UINT32, "uint32"}, {MAT_C_INT64, "int64"},
      {MAT_C_UINT64, "uint64"}, {MAT_C_CHAR, "char"},     {MAT_C_CELL, "cell"},
      {MAT_C_STRUCT, "struct"}, {MAT_C_SPARSE, "sparse"}};
  for (const auto& [cls, name] : kNames)
    if (cls == c) return name;
  return "class " + std::to_string(static_cast<int>(c));
}

std::string dims_text(const matvar_t& v) {
  std::string s;
  for (int i = 0; i < v.rank; ++i) s += (i ? "x" : "") + std::to_string(v.dims[i]);
  return s;
}

// The names of every variable, for messages; "(none)" for an empty file.
std::string variable_list(mat_t* mat) {
  Mat_Rewind(mat);
  std::string s;
  while (VarPtr info{Mat_VarReadNextInfo(mat)})
    s += (s.empty() ? "" : ", ") + std::string(info->name ? info->name : "?");
  return s.empty() ? "(none)" : s;
}

ToySet read_mat(const fs::path& path, const std::string& variable) {
  MatPtr mat(Mat_Open(path.c_str(), MAT_ACC_RDONLY));
  if (!mat) {
    throw DataError(path.string() +
                    ": cannot open as a MATLAB .mat file (expected MAT v5 or v7.3, e.g. saved by "
                    "MATLAB, Octave or scipy.io.savemat)");
  }
  std::string name = variable;
  if (name.empty()) {
    while (VarPtr info{Mat_VarReadNextInfo(mat.get())}) {
      if (info->name != nullptr && is_point_matrix(*info)) {
        name = info->name;
        break;
      }
    }
    if (name.empty()) {
      throw DataError(path.string() +
                      ": no numeric 2-D variable with 2 columns (expected an N x 2 double or "
                      "single matrix; variables: " +
                      variable_list(mat.get()) + ")");
    }
  }
  VarPtr var(Mat_VarRead(mat.get(), name.c_str()));
  if (!var) {
    throw DataError(path.string() + ": no variable '" + name +
                    "' (variables: " + variable_list(mat.get()) + ")");
  }
  const std::string what = path.string() + ": variable '" + name + "' ";
  if (var->class_type != MAT_C_DOUBLE && var->class_type != MAT_C_SINGLE) {
    throw DataError(what + "is a " + class_name(var->class_type) +
                    " array, expected double or single");
  }
  if (var->isComplex != 0) throw DataError(what + "is complex, expected real numbers");
  if (var->rank != 2 || (var->dims[0] != 2 && var->dims[1] != 2)) {
    throw DataError(what + "has dims " + dims_text(*var) + ", expected N x 2 (or 2 x N)");
  }
  const size_t rows = var->dims[0], cols = var->dims[1];
  const size_t count = rows * cols;
  if (count > 0 && var->data == nullptr) throw DataError(what + "holds no data");
  auto at = [&](size_t i) -> double {
    return var->class_type == MAT_C_DOUBLE ? static_cast<const double*>(var->data)[i]
                                           : static_cast<const float*>(var->data)[i];
  };
  // MATLAB stores column-major: element (r, c) at r + c * rows.
  std::vector<double> xy;
  xy.reserve(count);
  if (cols == 2) {  // one point per row (N x 2), the common layout
    for (size_t r = 0; r < rows; ++r) {
      xy.push_back(at(r));
      xy.push_back(at(r + rows));
    }
  } else {  // one point per column (2 x N): column c is elements 2c, 2c + 1
    for (size_t i = 0; i < count; ++i) xy.push_back(at(i));
  }
  for (size_t i = 0; i < xy.size(); ++i) {
    if (!std::isfinite(xy[i])) {
      throw DataError(what + "point " + std::to_string(i / 2) + " is not finite");
    }
  }
  return file_set(std::move(xy), path);
}
#endif  // GANRUN_WITH_MATIO

}  // namespace

ToySet read_toy_file(const std::filesystem::path& file, const std::string& variable) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw DataError(file.string() + ": points file not found");
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") {
    if (!variable.empty()) {
      throw DataError(file.string() + ": a variable name ('" + variable +
                      "') applies to .mat files only");
    }
    return read_csv(file);
  }
  if (ext == ".mat") {
#if GANRUN_WITH_MATIO
    return read_mat(file, variable);
#else
    throw DataError(file.string() + ": " +
                    build::built_without_message(build::kMatio, "reading a MATLAB .mat file") +
                    " Or save the points as a CSV of x,y rows.");
#endif
  }
  throw DataError(file.string() + ": unknown points file type '" + ext +
                  "' (expected .csv with x,y rows or a MATLAB .mat file)");
}

}  // namespace ganrun::data
