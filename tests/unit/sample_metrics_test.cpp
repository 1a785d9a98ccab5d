// tests/unit/sample_metrics_test.cpp — models/sample_metrics.h against values worked by hand
// and the constructed cases of issue 22: MMD² on 2-point sets, KID over full subsets, precision /
// recall / density / coverage on a ring of 8 Gaussians (σ 0.02) against 4 of its modes and
// against an independent draw of all 8 (a numpy transcription of the prdc package's formulas
// gives 0.97 / 0.47 / 0.99 / 0.48, and coverage 0.96, on sets drawn this way), and the class
// statistics of one-hot predictions.
#include "models/sample_metrics.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace ganrun::models {
namespace {

torch::Tensor rows(const std::vector<std::vector<double>>& values) {
  std::vector<double> flat;
  for (const auto& r : values) flat.insert(flat.end(), r.begin(), r.end());
  return torch::tensor(flat, torch::kFloat64)
      .reshape({static_cast<int64_t>(values.size()), static_cast<int64_t>(values[0].size())});
}

TEST(Mmd2Unbiased, MatchesTwoPointSetsWorkedByHand) {
  // d = 1, k(a, b) = (ab + 1)^3: Kxx off-diagonal 1 (twice) / 2 = 1; Kyy likewise 1;
  // Kxy = 1 + 1 + 1 + 27 = 30 over 4 pairs: 1 + 1 - 2 * 7.5 = -13.
  EXPECT_DOUBLE_EQ(mmd2_unbiased(rows({{0}, {1}}), rows({{0}, {2}})), -13.0);
  // d = 2 divides the dot product: Kxx = Kyy = 1; Kxy = 1.5^3 + 1 + 1.5^3 + 1 = 8.75 over 4.
  EXPECT_DOUBLE_EQ(mmd2_unbiased(rows({{1, 0}, {0, 1}}), rows({{1, 1}, {0, 0}})), 2 - 4.375);
}

TEST(KernelInceptionDistance, FullSubsetsEqualTheMmdAndRecordTheirDraw) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const auto x = at::randn({40, 6}, gen, torch::kFloat64);
  const auto y = at::randn({30, 6}, gen, torch::kFloat64) + 0.5;
  // Subsets as large as the smaller set (30): a permutation of y, a sample of 30 rows of x.
  const KidResult all = kernel_inception_distance(x.narrow(0, 0, 30), y, 100, 3, 9);
  EXPECT_EQ(all.subset_size, 30);
  EXPECT_EQ(all.subsets, 3);
  EXPECT_EQ(all.seed, 9u);
  EXPECT_NEAR(all.mean, mmd2_unbiased(x.narrow(0, 0, 30), y), 1e-12);
  EXPECT_NEAR(all.std, 0.0, 1e-12);
  const KidResult some = kernel_inception_distance(x, y, 10, 8, 9);
  EXPECT_EQ(some.subset_size, 10);
  EXPECT_GT(some.std, 0.0);
  const KidResult again = kernel_inception_distance(x, y, 10, 8, 9);
  EXPECT_EQ(again.mean, some.mean);  // the seed fixes the subsets
  EXPECT_THROW(kernel_inception_distance(x, y.narrow(1, 0, 5), 10, 8, 9), std::invalid_argument);
}

// KID sums each subset's blocks out of whole kernel matrices; the subsets' own MMD² (three
// m x m products each) must give the same values.
TEST(KernelInceptionDistance, WholeKernelSumsEqualEachSubsetsOwnMmd) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const auto x = at::randn({70, 5}, gen, torch::kFloat64);
  const auto y = at::randn({50, 5}, gen, torch::kFloat64) * 1.5;
  const KidSubsets rows = kid_subsets(70, 50, 20, 6, 3);
  ASSERT_EQ(rows.real_rows.sizes(), (std::vector<int64_t>{6, 20}));
  const KidResult kid = kernel_inception_distance(x, y, rows);
  std::vector<double> own;
  for (int64_t s = 0; s < 6; ++s)
    own.push_back(
        mmd2_unbiased(x.index_select(0, rows.real_rows[s]), y.index_select(0, rows.fake_rows[s])));
  double mean = 0, squares = 0;
  for (double v : own) mean += v / 6;
  for (double v : own) squares += (v - mean) * (v - mean);
  EXPECT_NEAR(kid.mean, mean, 1e-12 * std::abs(mean) + 1e-15);
  EXPECT_NEAR(kid.std, std::sqrt(squares / 5), 1e-10 * std::sqrt(squares / 5) + 1e-15);
}

// n points of the ring of 8 Gaussians (radius 2, σ 0.02), each from one of the first `modes`.
torch::Tensor ring(int64_t n, int64_t modes, at::Generator& gen) {
  const auto mode = at::randint(modes, {n}, gen, torch::TensorOptions().dtype(torch::kInt64));
  const auto angle = mode.to(torch::kFloat64) * (2 * M_PI / 8);
  const auto centres = torch::stack({2 * angle.cos(), 2 * angle.sin()}, 1);
  return centres + 0.02 * at::randn({n, 2}, gen, torch::kFloat64);
}

TEST(PrecisionRecallDensityCoverage, HalfTheModesHalveRecallAndCoverage) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2026);
  const auto real = ring(2000, 8, gen);
  const Prdc half = precision_recall_density_coverage(real, ring(2000, 4, gen));
  EXPECT_GE(half.precision, 0.93);
  EXPECT_GE(half.recall, 0.43);
  EXPECT_LE(half.recall, 0.52);
  EXPECT_GE(half.coverage, 0.43);
  EXPECT_LE(half.coverage, 0.52);
  EXPECT_GE(half.density, 0.9);
  EXPECT_LE(half.density, 1.1);
  const Prdc full = precision_recall_density_coverage(real, ring(2000, 8, gen));
  EXPECT_NEAR(full.coverage, 0.97, 0.03);
  EXPECT_GE(full.recall, 0.93);
}

TEST(PrecisionRecallDensityCoverage, BlocksDoNotChangeTheCounts) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const auto real = ring(300, 8, gen), fake = ring(250, 5, gen);
  const Prdc one = precision_recall_density_coverage(real, fake, 3, 5, 1024);
  const Prdc small = precision_recall_density_coverage(real, fake, 3, 5, 37);
  EXPECT_EQ(one.precision, small.precision);
  EXPECT_EQ(one.recall, small.recall);
  EXPECT_EQ(one.density, small.density);
  EXPECT_EQ(one.coverage, small.coverage);
  // A set against itself: every point lies inside its own ball's neighbours' balls.
  const Prdc same = precision_recall_density_coverage(real, real);
  EXPECT_EQ(same.precision, 1.0);
  EXPECT_EQ(same.recall, 1.0);
  EXPECT_EQ(same.coverage, 1.0);
}

TEST(ClassStatistics, FiveEqualClassesOfTenScoreLnTwoAndFive) {
  // 100 one-hot predictions of each of classes 0-4: p = 0.2 on 5 of 10 classes, so
  // KL(p || uniform) = 5 * 0.2 * ln(0.2 * 10) = ln 2, and the classifier score is 5.
  const auto labels = torch::arange(5, torch::kInt64).repeat_interleave(100);
  const auto probs = torch::one_hot(labels, 10).to(torch::kFloat64);
  const ClassStatistics s = class_statistics(probs);
  EXPECT_EQ(s.classes_covered, 5);
  EXPECT_NEAR(s.kl_to_uniform, std::log(2.0), 1e-12);
  EXPECT_NEAR(s.classifier_score, 5.0, 1e-12);
  EXPECT_TRUE(torch::equal(s.histogram,
                           torch::tensor({100, 100, 100, 100, 100, 0, 0, 0, 0, 0}, torch::kInt64)));
}

TEST(ClassStatistics, AClassCountsFromAFifthOfItsUniformShare) {
  // 1,000 samples, 10 classes: a class is covered from 20 samples (2%) on.
  std::vector<int64_t> labels(961, 0);
  labels.insert(labels.end(), 19, 8);  // 1.9%: not covered
  labels.insert(labels.end(), 20, 9);  // 2.0%: covered
  const auto probs = torch::one_hot(torch::tensor(labels, torch::kInt64), 10).to(torch::kFloat64);
  EXPECT_EQ(class_statistics(probs).classes_covered, 2);
  // Uniform probabilities carry no information: score 1.
  EXPECT_NEAR(class_statistics(torch::full({50, 10}, 0.1, torch::kFloat64)).classifier_score, 1.0,
              1e-12);
  EXPECT_THROW(class_statistics(torch::zeros({0, 10})), std::invalid_argument);
}

}  // namespace
}  // namespace ganrun::models
