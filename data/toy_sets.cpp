// data/toy_sets.cpp — the 2-D toy sets: Gaussian mixtures (ring8, grid25), moons and the swiss
// roll drawn from a generator keyed by the seed, and point files (CSV, MATLAB .mat) read with
// validation. Points are float64 [N, 2] on the CPU.
#include "data/toy_sets.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <matio.h>                  // Mat_Open, Mat_VarReadNextInfo, Mat_VarRead, Mat_VarFree

#include <cctype>    // std::tolower
#include <charconv>  // std::from_chars
#include <cmath>
#include <fstream>
#include <memory>
#include <numbers>  // std::numbers::pi
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "data/data_error.h"
#include "data/sample_order.h"  // splitmix64

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using std::numbers::pi;

// Separates toy-data draws from the run's other keyed draws (models/run_random.h purposes,
// data/sample_order.h's 0x0D47A0). A contract: changing it changes every toy data set.
constexpr uint64_t kToyDataPurpose = 0x70F5E7;

constexpr double kRing8Radius = 2.0;
constexpr int64_t kRing8Modes = 8;
constexpr double kRing8Sigma = 0.02;
constexpr int64_t kGrid25Side = 5;      // centres {-4, -2, 0, 2, 4} on each axis
constexpr double kGrid25Spacing = 2.0;  // distance between neighbouring centres
constexpr double kGrid25Sigma = 0.05;
constexpr double kMoonsNoise = 0.05;
constexpr double kSwissRollNoise = 0.05;
constexpr double kSwissRollScale = 5.0;  // (t cos t, t sin t) / 5 spans about [-2.8, 2.8]
constexpr int64_t kMinFilePoints = 2;

torch::TensorOptions f64() { return torch::TensorOptions().dtype(torch::kFloat64); }

at::Generator toy_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(splitmix64(splitmix64(seed) ^ kToyDataPurpose));
}

torch::Tensor ring8_centres() {
  torch::Tensor c = torch::empty({kRing8Modes, 2}, f64());
  auto a = c.accessor<double, 2>();
  for (int64_t k = 0; k < kRing8Modes; ++k) {
    const double angle = 2.0 * pi * static_cast<double>(k) / kRing8Modes;
    a[k][0] = kRing8Radius * std::cos(angle);
    a[k][1] = kRing8Radius * std::sin(angle);
  }
  return c;
}

// Mode k = 5 * i + j sits at (x_i, y_j), x and y running -4, -2, 0, 2, 4.
torch::Tensor grid25_centres() {
  torch::Tensor c = torch::empty({kGrid25Side * kGrid25Side, 2}, f64());
  auto a = c.accessor<double, 2>();
  const double first = -kGrid25Spacing * (kGrid25Side - 1) / 2.0;
  for (int64_t i = 0; i < kGrid25Side; ++i) {
    for (int64_t j = 0; j < kGrid25Side; ++j) {
      a[i * kGrid25Side + j][0] = first + kGrid25Spacing * static_cast<double>(i);
      a[i * kGrid25Side + j][1] = first + kGrid25Spacing * static_cast<double>(j);
    }
  }
  return c;
}

// Draw order (part of the contract): the mode of every point, then the N(0, 1) noise [N, 2].
torch::Tensor mixture(const torch::Tensor& centres, double sigma, int64_t n, at::Generator& gen) {
  const torch::Tensor modes = at::randint(centres.size(0), {n}, gen, torch::kInt64);
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  return centres.index_select(0, modes) + sigma * noise;
}

// Like sklearn's make_moons, but every point i.i.d.: the moon uniform, t ~ U[0, pi], then the
// N(0, 1) noise [N, 2] (in that draw order). Outer moon (cos t, sin t) around (0, 0); inner
// (1 - cos t, 0.5 - sin t) around (1, 0.5).
torch::Tensor moons(int64_t n, at::Generator& gen) {
  const torch::Tensor moon = at::randint(2, {n}, gen, torch::kInt64);
  const torch::Tensor t = at::rand({n}, gen, f64()) * pi;
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  const torch::Tensor outer = torch::stack({t.cos(), t.sin()}, 1);
  const torch::Tensor inner = torch::stack({1.0 - t.cos(), 0.5 - t.sin()}, 1);
  return torch::where(moon.eq(1).unsqueeze(1), inner, outer) + kMoonsNoise * noise;
}

// sklearn's make_swiss_roll projected on its (x, z) plane and scaled by 1/5: t ~ U[1.5 pi,
// 4.5 pi], then N(0, 1) noise [N, 2] times 0.05 added after the scaling (so the noise is 0.05
// in the units of the points).
torch::Tensor swiss_roll(int64_t n, at::Generator& gen) {
  const torch::Tensor t = 1.5 * pi * (1.0 + 2.0 * at::rand({n}, gen, f64()));
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  return torch::stack({t * t.cos(), t * t.sin()}, 1) / kSwissRollScale + kSwissRollNoise * noise;
}

std::string known_list() {
  std::string s;
  for (const auto& n : toy_set_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// ---- point files --------------------------------------------------------------------------

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

std::string class_name(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE:
      return "double";
    case MAT_C_SINGLE:
      return "single";
    case MAT_C_INT8:
      return "int8";
    case MAT_C_UINT8:
      return "uint8";
    case MAT_C_INT16:
      return "int16";
    case MAT_C_UINT16:
      return "uint16";
    case MAT_C_INT32:
      return "int32";
    case MAT_C_UINT32:
      return "uint32";
    case MAT_C_INT64:
      return "int64";
    case MAT_C_UINT64:
      return "uint64";
    case MAT_C_CHAR:
      return "char";
    case MAT_C_CELL:
      return "cell";
    case MAT_C_STRUCT:
      return "struct";
    case MAT_C_SPARSE:
      return "sparse";
    default:
      return "class " + std::to_string(static_cast<int>(c));
  }
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

}  // namespace

const std::vector<std::string>& toy_set_names() {
  static const std::vector<std::string> names = {"toy-ring8", "toy-grid25", "toy-moons",
                                                 "toy-swissroll"};
  return names;
}

ToySet make_toy_set(const std::string& name, int64_t n, uint64_t seed) {
  if (n < 1) {
    throw DataError("toy data set '" + name + "': " + std::to_string(n) +
                    " points, expected at least 1");
  }
  at::Generator gen = toy_generator(seed);
  ToySet set;
  set.name = name;
  set.centres = torch::empty({0, 2}, f64());
  if (name == "toy-ring8") {
    set.centres = ring8_centres();
    set.sigma = kRing8Sigma;
    set.points = mixture(set.centres, set.sigma, n, gen);
  } else if (name == "toy-grid25") {
    set.centres = grid25_centres();
    set.sigma = kGrid25Sigma;
    set.points = mixture(set.centres, set.sigma, n, gen);
  } else if (name == "toy-moons") {
    set.points = moons(n, gen);
  } else if (name == "toy-swissroll") {
    set.points = swiss_roll(n, gen);
  } else {
    throw DataError("unknown toy data set '" + name + "' (known: " + known_list() + ")");
  }
  return set;
}

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
  if (ext == ".mat") return read_mat(file, variable);
  throw DataError(file.string() + ": unknown points file type '" + ext +
                  "' (expected .csv with x,y rows or a MATLAB .mat file)");
}

}  // namespace ganrun::data
