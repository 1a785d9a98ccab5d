// tests/unit/frechet_test.cpp — the pixel-space Fréchet distance against closed forms computed
// here from the samples' own statistics with plain loops (no torch): identical sets, 1-D and
// 2-D Gaussian samples, rotated covariances, a constant set, symmetry, dtypes and shapes.
#include "models/frechet.h"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace ganrun::models {
namespace {

using Points = std::vector<std::vector<double>>;  // [N][D]

torch::Tensor to_tensor(const Points& p) {
  std::vector<double> flat;
  for (const auto& row : p) flat.insert(flat.end(), row.begin(), row.end());
  // An explicit dtype: torch::tensor of doubles would otherwise take the default (float32).
  return torch::tensor(flat, torch::kFloat64)
      .reshape({static_cast<int64_t>(p.size()), static_cast<int64_t>(p[0].size())});
}

std::vector<double> mean_of(const Points& p) {
  std::vector<double> m(p[0].size(), 0.0);
  for (const auto& row : p)
    for (size_t j = 0; j < m.size(); ++j) m[j] += row[j];
  for (double& v : m) v /= static_cast<double>(p.size());
  return m;
}

// Unbiased variance of coordinate j.
double variance_of(const Points& p, size_t j) {
  const double m = mean_of(p)[j];
  double s = 0.0;
  for (const auto& row : p) s += (row[j] - m) * (row[j] - m);
  return s / static_cast<double>(p.size() - 1);
}

Points gaussian(size_t n, const std::vector<double>& mu, const std::vector<double>& sd,
                uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Points p(n, std::vector<double>(mu.size()));
  for (auto& row : p)
    for (size_t j = 0; j < mu.size(); ++j) row[j] = mu[j] + sd[j] * normal(rng);
  return p;
}

// All pairs (u_i, v_j): the cross-covariance sum_ij (u_i - u.)(v_j - v.) factorises into
// sum_i (u_i - u.) * sum_j (v_j - v.) = 0, so the sample covariance is exactly diagonal.
Points grid(const Points& u, const Points& v) {
  Points p;
  for (const auto& a : u)
    for (const auto& b : v) p.push_back({a[0], b[0]});
  return p;
}

Points rotate(const Points& p, double angle) {
  const double c = std::cos(angle), s = std::sin(angle);
  Points r;
  for (const auto& x : p) r.push_back({c * x[0] - s * x[1], s * x[0] + c * x[1]});
  return r;
}

// Closed form for diagonal covariances: sum_j (mu_a_j - mu_b_j)^2 + (sqrt(s_a_j) - sqrt(s_b_j))^2.
double diagonal_closed_form(const Points& a, const Points& b) {
  const auto ma = mean_of(a), mb = mean_of(b);
  double d = 0.0;
  for (size_t j = 0; j < ma.size(); ++j) {
    const double dm = ma[j] - mb[j];
    const double ds = std::sqrt(variance_of(a, j)) - std::sqrt(variance_of(b, j));
    d += dm * dm + ds * ds;
  }
  return d;
}

TEST(FrechetDistance, IdenticalSetsGiveZero) {
  const Points a = gaussian(200, {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 1, 2, 3, 1, 0.5}, 11);
  EXPECT_NEAR(frechet_distance(to_tensor(a), to_tensor(a)), 0.0, 1e-9);
}

TEST(FrechetDistance, OneDimensionalMatchesClosedForm) {
  // N(1, 2^2) with 500 samples vs N(-0.5, 0.5^2) with 300; in 1-D the distance is
  // (m_a - m_b)^2 + (sd_a - sd_b)^2 with the sample means and unbiased sample sd's.
  const Points a = gaussian(500, {1.0}, {2.0}, 1);
  const Points b = gaussian(300, {-0.5}, {0.5}, 2);
  const double expected = diagonal_closed_form(a, b);
  EXPECT_GT(expected, 3.0);  // ~1.5^2 + 1.5^2 = 4.5: a non-trivial distance
  EXPECT_NEAR(frechet_distance(to_tensor(a), to_tensor(b)), expected, 1e-10 * expected);
}

TEST(FrechetDistance, TwoDimensionalDiagonalMatchesClosedForm) {
  const Points a = grid(gaussian(20, {2.0}, {1.5}, 3), gaussian(15, {-1.0}, {0.3}, 4));
  const Points b = grid(gaussian(25, {0.5}, {0.7}, 5), gaussian(12, {1.0}, {2.0}, 6));
  const double expected = diagonal_closed_form(a, b);
  EXPECT_NEAR(frechet_distance(to_tensor(a), to_tensor(b)), expected, 1e-10 * expected);
}

TEST(FrechetDistance, RotatedCovariancesKeepTheDistance) {
  // Rotating both sets by the same angle makes the covariances non-diagonal (R S R^T) but
  // leaves the distance unchanged, so the diagonal closed form still applies.
  const Points a = grid(gaussian(20, {2.0}, {1.5}, 3), gaussian(15, {-1.0}, {0.3}, 4));
  const Points b = grid(gaussian(25, {0.5}, {0.7}, 5), gaussian(12, {1.0}, {2.0}, 6));
  const double expected = diagonal_closed_form(a, b);
  const double angle = 0.5235987755982988;  // 30 degrees
  EXPECT_NEAR(frechet_distance(to_tensor(rotate(a, angle)), to_tensor(rotate(b, angle))), expected,
              1e-9 * expected);
}

// Unbiased covariance of coordinates i and j.
double covariance_of(const Points& p, size_t i, size_t j) {
  const auto m = mean_of(p);
  double s = 0.0;
  for (const auto& row : p) s += (row[i] - m[i]) * (row[j] - m[j]);
  return s / static_cast<double>(p.size() - 1);
}

TEST(FrechetDistance, TwoByTwoNonCommutingCovariancesMatchTheClosedForm) {
  // Sets rotated by different angles: their covariances A and B do not commute. For 2 x 2
  // matrices, sqrt(A) B sqrt(A) has the eigenvalues of AB, so
  //   Tr((A^1/2 B A^1/2)^1/2) = sqrt(l1) + sqrt(l2) = sqrt(Tr(AB) + 2 sqrt(det A det B)).
  const Points a = rotate(grid(gaussian(20, {2.0}, {1.5}, 3), gaussian(15, {-1.0}, {0.3}, 4)), 0.2);
  const Points b = rotate(grid(gaussian(25, {0.5}, {0.7}, 5), gaussian(12, {1.0}, {2.0}, 6)), 1.1);
  const double a11 = covariance_of(a, 0, 0), a12 = covariance_of(a, 0, 1),
               a22 = covariance_of(a, 1, 1);
  const double b11 = covariance_of(b, 0, 0), b12 = covariance_of(b, 0, 1),
               b22 = covariance_of(b, 1, 1);
  // (AB - BA) is antisymmetric, its off-diagonal entry a11 b12 + a12 b22 - b11 a12 - b12 a22.
  ASSERT_GT(std::abs(a11 * b12 + a12 * b22 - b11 * a12 - b12 * a22), 0.1);
  const double trace_ab = a11 * b11 + 2 * a12 * b12 + a22 * b22;
  const double det_a = a11 * a22 - a12 * a12, det_b = b11 * b22 - b12 * b12;
  const auto ma = mean_of(a), mb = mean_of(b);
  const double dmu = (ma[0] - mb[0]) * (ma[0] - mb[0]) + (ma[1] - mb[1]) * (ma[1] - mb[1]);
  const double expected =
      dmu + a11 + a22 + b11 + b22 - 2 * std::sqrt(trace_ab + 2 * std::sqrt(det_a * det_b));
  EXPECT_NEAR(frechet_distance(to_tensor(a), to_tensor(b)), expected, 1e-10 * expected);
}

TEST(FrechetDistance, ConstantSetAgainstData) {
  // Sb = 0, so the cross term vanishes: d = ||mu_a - c||^2 + Tr(Sa).
  const Points a = gaussian(100, {0.0, 1.0, -2.0, 3.0, 0.5}, {1.0, 0.5, 2.0, 0.1, 1.0}, 7);
  const std::vector<double> c = {0.25, -1.0, 0.0, 3.0, 2.0};
  const Points b(40, c);
  const auto ma = mean_of(a);
  double expected = 0.0;
  for (size_t j = 0; j < c.size(); ++j) {
    expected += (ma[j] - c[j]) * (ma[j] - c[j]) + variance_of(a, j);
  }
  EXPECT_NEAR(frechet_distance(to_tensor(a), to_tensor(b)), expected, 1e-10 * expected);
  EXPECT_NEAR(frechet_distance(to_tensor(b), to_tensor(a)), expected, 1e-10 * expected);
}

TEST(FrechetDistance, IsSymmetric) {
  // Correlated features: mix independent normals with a fixed matrix.
  Points a = gaussian(100, std::vector<double>(6, 0.0), std::vector<double>(6, 1.0), 8);
  Points b = gaussian(150, std::vector<double>(6, 0.3), std::vector<double>(6, 2.0), 9);
  for (auto* p : {&a, &b}) {
    for (auto& row : *p) {
      for (size_t j = 1; j < row.size(); ++j) row[j] += 0.8 * row[j - 1];
    }
  }
  const double ab = frechet_distance(to_tensor(a), to_tensor(b));
  const double ba = frechet_distance(to_tensor(b), to_tensor(a));
  EXPECT_GT(ab, 1.0);
  EXPECT_NEAR(ab, ba, 1e-10 * ab);
}

TEST(FrechetDistance, AcceptsFloat32AndImageShapedInput) {
  const Points a = gaussian(64, std::vector<double>(16, 0.0), std::vector<double>(16, 1.0), 10);
  const Points b = gaussian(64, std::vector<double>(16, 0.5), std::vector<double>(16, 0.5), 12);
  const double reference = frechet_distance(to_tensor(a), to_tensor(b));
  const torch::Tensor a32 = to_tensor(a).to(torch::kFloat32).reshape({64, 1, 4, 4});
  const torch::Tensor b32 = to_tensor(b).to(torch::kFloat32).reshape({64, 1, 4, 4});
  EXPECT_NEAR(frechet_distance(a32, b32), reference, 1e-5 * reference);
}

TEST(FrechetDistance, RejectsBadShapes) {
  const torch::Tensor ok = torch::zeros({4, 3}, torch::kFloat64);
  EXPECT_THROW(frechet_distance(torch::zeros({4}), ok), std::invalid_argument);
  EXPECT_THROW(frechet_distance(torch::zeros({1, 3}), ok), std::invalid_argument);
  EXPECT_THROW(frechet_distance(ok, torch::zeros({4, 2})), std::invalid_argument);
}

}  // namespace
}  // namespace ganrun::models
