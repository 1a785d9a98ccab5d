// tests/unit/toy_sets_test.cpp — the 2-D toy sets: per-mode statistics of ring8 and grid25
// against their centres and sigma, determinism by seed, moons and swiss roll shapes, and point
// files (CSV and MATLAB .mat written here, read back) with their error messages.
#include "data/toy_sets.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include "common/build_components.h"  // GANRUN_WITH_MATIO
#if GANRUN_WITH_MATIO
#include <matio.h>  // Mat_CreateVer, Mat_VarCreate, Mat_VarWrite: the tests write .mat files
#endif

#include <algorithm>  // std::sort
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>  // std::setprecision
#include <numbers>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "data/data_error.h"
#include "tests/unit/test_support.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using std::numbers::pi;

constexpr int64_t kN = kDefaultToyPoints;  // 65,536

// A fresh folder under the system temp dir, removed with the object.
// A folder per test, removed at scope exit (tests/unit/test_support.h).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("toy") {}
};
using test::expect_data_error;

// ---- mixtures ------------------------------------------------------------------------------

// Assigns each point to its nearest centre (modes are >= 1.5 apart, sigma <= 0.05, so this is
// the true mode) and checks, per mode k with n_k points:
//   count: within 5 standard errors of N/K (binomial, se = sqrt(N p (1 - p)), p = 1/K);
//   mean:  each coordinate within 4 * sigma / sqrt(n_k) of the centre;
//   std:   each coordinate's sample standard deviation within 5% of sigma;
//   every point within 6 sigma of its centre (P(r > 6 sigma) = exp(-18) per 2-D point).
void check_mixture(const ToySet& set, int64_t k_modes, double sigma) {
  ASSERT_EQ(set.points.sizes(), (std::vector<int64_t>{kN, 2}));
  ASSERT_EQ(set.points.scalar_type(), torch::kFloat64);
  ASSERT_EQ(set.centres.sizes(), (std::vector<int64_t>{k_modes, 2}));
  EXPECT_DOUBLE_EQ(set.sigma, sigma);
  const torch::Tensor dist = torch::cdist(set.points, set.centres);  // [N, K]
  const auto [nearest, assign] = dist.min(1);
  EXPECT_LT(nearest.max().item<double>(), 6.0 * sigma);
  const double p = 1.0 / static_cast<double>(k_modes);
  const double se = std::sqrt(static_cast<double>(kN) * p * (1.0 - p));
  for (int64_t k = 0; k < k_modes; ++k) {
    const torch::Tensor pts = set.points.index_select(0, assign.eq(k).nonzero().squeeze(1));
    const int64_t n_k = pts.size(0);
    EXPECT_LT(std::abs(static_cast<double>(n_k) - static_cast<double>(kN) * p), 5.0 * se)
        << "mode " << k << " holds " << n_k << " points";
    const torch::Tensor mean = pts.mean(0), sd = pts.std(0);
    for (int64_t d = 0; d < 2; ++d) {
      const double c = set.centres[k][d].item<double>();
      EXPECT_LT(std::abs(mean[d].item<double>() - c),
                4.0 * sigma / std::sqrt(static_cast<double>(n_k)))
          << "mode " << k << " coordinate " << d;
      EXPECT_LT(std::abs(sd[d].item<double>() / sigma - 1.0), 0.05)
          << "mode " << k << " coordinate " << d << " std " << sd[d].item<double>();
    }
  }
}

TEST(ToySets, Ring8ModesMatchCentresAndSigma) {
  const ToySet set = make_toy_set("toy-ring8", kN, 0);
  EXPECT_EQ(set.name, "toy-ring8");
  // Centre k at angle 2 pi k / 8 on the circle of radius 2.
  for (int64_t k = 0; k < 8; ++k) {
    EXPECT_NEAR(set.centres[k][0].item<double>(), 2.0 * std::cos(2.0 * pi * k / 8.0), 1e-12);
    EXPECT_NEAR(set.centres[k][1].item<double>(), 2.0 * std::sin(2.0 * pi * k / 8.0), 1e-12);
  }
  check_mixture(set, 8, 0.02);
}

TEST(ToySets, Grid25ModesMatchCentresAndSigma) {
  const ToySet set = make_toy_set("toy-grid25", kN, 0);
  EXPECT_EQ(set.name, "toy-grid25");
  // The 25 centres are exactly {-4, -2, 0, 2, 4}^2.
  std::vector<std::pair<double, double>> got, want;
  for (int64_t k = 0; k < 25; ++k)
    got.emplace_back(set.centres[k][0].item<double>(), set.centres[k][1].item<double>());
  for (double x : {-4.0, -2.0, 0.0, 2.0, 4.0})
    for (double y : {-4.0, -2.0, 0.0, 2.0, 4.0}) want.emplace_back(x, y);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  check_mixture(set, 25, 0.05);
}

TEST(ToySets, SameSeedSamePointsOtherSeedOtherPoints) {
  for (const std::string& name : toy_set_names()) {
    const ToySet a = make_toy_set(name, 1000, 7);
    const ToySet b = make_toy_set(name, 1000, 7);
    const ToySet c = make_toy_set(name, 1000, 8);
    EXPECT_TRUE(torch::equal(a.points, b.points)) << name;
    EXPECT_FALSE(torch::equal(a.points, c.points)) << name;
  }
}

TEST(ToySets, MoonsAreTwoNoisyHalfCircles) {
  const ToySet set = make_toy_set("toy-moons", kN, 3);
  ASSERT_EQ(set.points.sizes(), (std::vector<int64_t>{kN, 2}));
  ASSERT_EQ(set.points.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(set.points.isfinite().all().item<bool>());
  EXPECT_EQ(set.centres.size(0), 0);
  EXPECT_EQ(set.sigma, 0.0);
  const torch::Tensor x = set.points.select(1, 0), y = set.points.select(1, 1);
  // Distance from each arc: |r - 1| around (0, 0) for the outer moon (y >= 0 before noise),
  // around (1, 0.5) for the inner one (y <= 0.5); noise 0.05, so 0.3 is 6 sigma.
  const torch::Tensor r_outer = (x.square() + y.square()).sqrt().sub(1.0).abs();
  const torch::Tensor r_inner = ((x - 1.0).square() + (y - 0.5).square()).sqrt().sub(1.0).abs();
  const torch::Tensor on_outer = r_outer.lt(0.3).logical_and(y.gt(-0.3));
  const torch::Tensor on_inner = r_inner.lt(0.3).logical_and(y.lt(0.8));
  EXPECT_TRUE(on_outer.logical_or(on_inner).all().item<bool>());
  // Mean over t ~ U[0, pi]: outer (0, 2/pi), inner (1, 0.5 - 2/pi), half each ->
  // (0.5, 0.25); per-coordinate sd < 0.6, so se < 0.6 / sqrt(65536) = 0.0024.
  EXPECT_NEAR(x.mean().item<double>(), 0.5, 0.015);
  EXPECT_NEAR(y.mean().item<double>(), 0.25, 0.015);
}

TEST(ToySets, SwissRollSpansItsRadii) {
  const ToySet set = make_toy_set("toy-swissroll", kN, 3);
  ASSERT_EQ(set.points.sizes(), (std::vector<int64_t>{kN, 2}));
  EXPECT_TRUE(set.points.isfinite().all().item<bool>());
  EXPECT_EQ(set.centres.size(0), 0);
  // |(t cos t, t sin t) / 5| = t / 5 with t in [1.5 pi, 4.5 pi]: radii [0.94, 2.83], give or
  // take the noise (0.05; 0.3 is 6 sigma). t is uniform, so the mean radius is 3 pi / 5.
  const torch::Tensor r = set.points.norm(2, 1);
  EXPECT_GT(r.min().item<double>(), 1.5 * pi / 5.0 - 0.3);
  EXPECT_LT(r.max().item<double>(), 4.5 * pi / 5.0 + 0.3);
  EXPECT_NEAR(r.mean().item<double>(), 3.0 * pi / 5.0, 0.02);
}

TEST(ToySets, UnknownNameAndBadCountAreDataErrors) {
  expect_data_error([] { make_toy_set("toy-ring9", 10, 0); },
                    {"unknown toy data set 'toy-ring9'", "toy-ring8, toy-grid25"});
  expect_data_error([] { make_toy_set("toy-ring8", 0, 0); }, {"0 points", "at least 1"});
}

// ---- CSV files -----------------------------------------------------------------------------

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// x,y rows with 17 significant digits: doubles survive the text exactly.
std::string csv_of(const torch::Tensor& points, const std::string& header) {
  std::ostringstream s;
  s << header << std::setprecision(17);
  auto a = points.accessor<double, 2>();
  for (int64_t i = 0; i < points.size(0); ++i) s << a[i][0] << "," << a[i][1] << "\n";
  return s.str();
}

TEST(ToyFile, CsvRoundTripWithHeader) {
  TempDir tmp;
  const torch::Tensor pts = make_toy_set("toy-swissroll", 500, 1).points;
  const fs::path f = tmp.path() / "points.csv";
  write_text(f, csv_of(pts, "x,y\n"));
  const ToySet set = read_toy_file(f);
  EXPECT_EQ(set.name, "toy-file");
  EXPECT_TRUE(torch::equal(set.points, pts));
  EXPECT_EQ(set.centres.sizes(), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(set.sigma, 0.0);
}

TEST(ToyFile, CsvWithoutHeaderWithCrlfBlankLinesAndSpaces) {
  TempDir tmp;
  const fs::path f = tmp.path() / "points.CSV";
  write_text(f, "1.5, -2\r\n\r\n +3e-1 ,4\r\n-0.25,0\n\n");
  const ToySet set = read_toy_file(f);
  EXPECT_TRUE(torch::equal(
      set.points, torch::tensor(std::vector<double>{1.5, -2, 0.3, 4, -0.25, 0}, torch::kFloat64)
                      .reshape({3, 2})));
}

TEST(ToyFile, CsvMalformedLinesNameFileAndLine) {
  TempDir tmp;
  const fs::path f = tmp.path() / "bad.csv";
  // Line 1 header, line 2 blank, line 3 fine, line 4 bad.
  write_text(f, "x,y\n\n1,2\n1.5,abc\n3,4\n");
  expect_data_error([&] { read_toy_file(f); },
                    {f.string() + ":4: field 2 'abc' is not a finite number"});
  write_text(f, "1,2\n1,2,3\n");
  expect_data_error([&] { read_toy_file(f); }, {f.string() + ":2: 3 fields", "x,y"});
  write_text(f, "1,2\n5\n");
  expect_data_error([&] { read_toy_file(f); }, {f.string() + ":2: 1 fields"});
  write_text(f, "1,2\nnan,1\n");
  expect_data_error([&] { read_toy_file(f); }, {f.string() + ":2: field 1 'nan'"});
  write_text(f, "x,y\n1,2\n");
  expect_data_error([&] { read_toy_file(f); }, {f.string(), "1 points, expected at least 2"});
}

TEST(ToyFile, MissingFileAndUnknownExtension) {
  TempDir tmp;
  expect_data_error([&] { read_toy_file(tmp.path() / "none.csv"); }, {"none.csv", "not found"});
  const fs::path f = tmp.path() / "points.txt";
  write_text(f, "1,2\n3,4\n");
  expect_data_error([&] { read_toy_file(f); }, {f.string(), "'.txt'", ".csv", ".mat"});
}

// ---- .mat files ----------------------------------------------------------------------------
#if GANRUN_WITH_MATIO

struct MatVar {
  std::string name;
  matio_classes cls;
  matio_types type;
  size_t rows, cols;
  const void* data;  // column-major
};

void write_mat(const fs::path& path, const std::vector<MatVar>& vars) {
  mat_t* mat = Mat_CreateVer(path.c_str(), nullptr, MAT_FT_MAT5);
  ASSERT_NE(mat, nullptr) << path;
  for (const MatVar& v : vars) {
    size_t dims[2] = {v.rows, v.cols};
    matvar_t* var =
        Mat_VarCreate(v.name.c_str(), v.cls, v.type, 2, dims, const_cast<void*>(v.data), 0);
    ASSERT_NE(var, nullptr) << v.name;
    EXPECT_EQ(Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE), 0) << v.name;
    Mat_VarFree(var);
  }
  Mat_Close(mat);
}

// N x 2 points in MATLAB's column-major order: all x, then all y.
std::vector<double> column_major(const torch::Tensor& points) {
  const torch::Tensor t = points.t().contiguous();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

TEST(ToyFile, MatRoundTripNx2Double) {
  TempDir tmp;
  const torch::Tensor pts = make_toy_set("toy-moons", 300, 2).points;
  const std::vector<double> data = column_major(pts);
  const fs::path f = tmp.path() / "points.mat";
  write_mat(f, {{"X", MAT_C_DOUBLE, MAT_T_DOUBLE, 300, 2, data.data()}});
  if (HasFatalFailure()) return;
  const ToySet set = read_toy_file(f);
  EXPECT_EQ(set.name, "toy-file");
  EXPECT_TRUE(torch::equal(set.points, pts));
  EXPECT_TRUE(torch::equal(read_toy_file(f, "X").points, pts));
}

TEST(ToyFile, MatPicksFirstPointMatrixAndReads2xNSingle) {
  TempDir tmp;
  const std::vector<double> junk(9, 1.0);             // 3 x 3: not a point matrix
  const std::vector<float> pts = {1, 2, 3, 4, 5, 6};  // 2 x 3: columns (1,2) (3,4) (5,6)
  const fs::path f = tmp.path() / "points.mat";
  write_mat(f, {{"junk", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, 3, junk.data()},
                {"pts", MAT_C_SINGLE, MAT_T_SINGLE, 2, 3, pts.data()}});
  if (HasFatalFailure()) return;
  const torch::Tensor want =
      torch::tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, torch::kFloat64).reshape({3, 2});
  EXPECT_TRUE(torch::equal(read_toy_file(f).points, want));
  EXPECT_TRUE(torch::equal(read_toy_file(f, "pts").points, want));
}

TEST(ToyFile, MatErrorsNameFileAndVariable) {
  TempDir tmp;
  const std::vector<double> junk(9, 1.0);
  const std::vector<int32_t> ints = {1, 2, 3, 4};  // 2 x 2 int32
  const fs::path f = tmp.path() / "bad.mat";
  write_mat(f, {{"junk", MAT_C_DOUBLE, MAT_T_DOUBLE, 3, 3, junk.data()},
                {"ints", MAT_C_INT32, MAT_T_INT32, 2, 2, ints.data()}});
  if (HasFatalFailure()) return;
  expect_data_error([&] { read_toy_file(f); },
                    {f.string(), "no numeric 2-D variable with 2 columns", "junk, ints"});
  expect_data_error([&] { read_toy_file(f, "junk"); },
                    {f.string(), "variable 'junk' has dims 3x3", "N x 2"});
  expect_data_error([&] { read_toy_file(f, "ints"); },
                    {f.string(), "variable 'ints' is a int32 array", "double or single"});
  expect_data_error([&] { read_toy_file(f, "nope"); },
                    {f.string(), "no variable 'nope'", "junk, ints"});
  const fs::path text = tmp.path() / "text.mat";
  write_text(text, "this is not a MAT file\n");
  expect_data_error([&] { read_toy_file(text); }, {text.string(), "MATLAB .mat"});
}
#else   // built without the matio component
TEST(ToyFile, MatFilesRoundTrip) {
  GTEST_SKIP() << "built without the matio component (GANRUN_WITH_MATIO): .mat files are "
                  "refused, see MatFileRefusedWithoutMatio";
}

TEST(ToyFile, MatFileRefusedWithoutMatio) {
  TempDir tmp;
  const fs::path f = tmp.path() / "points.mat";
  write_text(f, "any bytes: the reader must refuse before opening it\n");
  expect_data_error([&] { read_toy_file(f); },
                    {f.string(), "built without", "GANRUN_WITH_MATIO=ON", "libmatio-dev", "CSV"});
}
#endif  // GANRUN_WITH_MATIO

}  // namespace
}  // namespace ganrun::data
