// tests/unit/mode_coverage_test.cpp — the mode metric on hand-made points (counts worked out in
// the comments) and on three generators of ring-of-8 samples: the true mixture passes the toy
// learning check, a generator uniform on the circle and one collapsed onto a mode fail it.
#include "models/mode_coverage.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "data/toy_sets.h"
#include "tests/learning/toy_learning_check.h"

namespace ganrun::models {
namespace {

torch::Tensor pts(std::vector<double> xy) {
  const auto n = static_cast<int64_t>(xy.size() / 2);
  return torch::tensor(xy, torch::kFloat64).reshape({n, 2});
}

TEST(ModeCoverage, CountsSamplesNearestToEachModeWithinThreeSigma) {
  // Centres A = (0, 0), B = (10, 0); sigma 1, so the radius is 3.
  //   (0, 0)     nearest A at 0      inside  -> A
  //   (2.9, 0)   nearest A at 2.9    inside  -> A
  //   (3.1, 0)   nearest A at 3.1    outside
  //   (10, 0.5)  nearest B at 0.5    inside  -> B
  //   (5, 0)     5 from both         outside
  //   (100, 100) far from both       outside
  // counts [2, 1]; high quality 3 / 6 = 0.5; both modes hold >= 1% of 6 (0.06 samples).
  const auto c =
      mode_coverage(pts({0, 0, 2.9, 0, 3.1, 0, 10, 0.5, 5, 0, 100, 100}), pts({0, 0, 10, 0}), 1.0);
  EXPECT_EQ(c.counts, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(c.samples, 6);
  EXPECT_EQ(c.modes_covered, 2);
  EXPECT_DOUBLE_EQ(c.high_quality, 0.5);
  // With 25% required (1.5 samples): A's 2 count, B's 1 does not.
  EXPECT_EQ(mode_coverage(pts({0, 0, 2.9, 0, 3.1, 0, 10, 0.5, 5, 0, 100, 100}), pts({0, 0, 10, 0}),
                          1.0, 3.0, 0.25)
                .modes_covered,
            1);
}

TEST(ModeCoverage, ASampleWithinRadiusOfItsNearestModeOnlyCountsThere) {
  // Centres (0, 0) and (1, 0), sigma 1 (radius 3): (0.4, 0) is within 3 of both, nearest is
  // the first -> counts [1, 0]; (0.5, 0) is equally near both: the tie goes to index 0 ->
  // counts [2, 0]; high quality 2 / 2.
  const auto c = mode_coverage(pts({0.4, 0, 0.5, 0}), pts({0, 0, 1, 0}), 1.0);
  EXPECT_EQ(c.counts, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(c.modes_covered, 1);
  EXPECT_DOUBLE_EQ(c.high_quality, 1.0);
}

TEST(ModeCoverage, AModeCountsFromExactlyOnePercentOfTheSamples) {
  // 100 samples, 1 on the mode: 1 >= 1% of 100 = 1 -> covered. 200 samples, 1 on the mode:
  // 1 < 2 -> not covered. The rest sit far away (outside every radius).
  auto far = [](int64_t n) { return torch::full({n, 2}, 50.0, torch::kFloat64); };
  const auto centre = pts({0, 0});
  const auto c100 = mode_coverage(torch::cat({pts({0, 0}), far(99)}), centre, 0.1);
  EXPECT_EQ(c100.modes_covered, 1);
  EXPECT_DOUBLE_EQ(c100.high_quality, 0.01);
  const auto c200 = mode_coverage(torch::cat({pts({0, 0}), far(199)}), centre, 0.1);
  EXPECT_EQ(c200.modes_covered, 0);
  EXPECT_EQ(c200.counts, (std::vector<int64_t>{1}));
  EXPECT_DOUBLE_EQ(c200.high_quality, 0.005);
}

TEST(ModeCoverage, NoCentresOrNoSamplesGiveZeros) {
  const auto none = mode_coverage(pts({1, 2}), torch::empty({0, 2}, torch::kFloat64), 1.0);
  EXPECT_TRUE(none.counts.empty());
  EXPECT_EQ(none.modes_covered, 0);
  EXPECT_EQ(none.high_quality, 0.0);
  const auto empty = mode_coverage(torch::empty({0, 2}), pts({0, 0}), 1.0);
  EXPECT_EQ(empty.counts, (std::vector<int64_t>{0}));
  EXPECT_EQ(empty.modes_covered, 0);
}

TEST(ModeCoverage, RejectsNonPointTensorsAndNonPositiveSigma) {
  EXPECT_THROW(mode_coverage(torch::zeros({4, 3}), pts({0, 0}), 1.0), std::invalid_argument);
  EXPECT_THROW(mode_coverage(pts({0, 0}), torch::zeros({2}), 1.0), std::invalid_argument);
  EXPECT_THROW(mode_coverage(pts({0, 0}), pts({0, 0}), 0.0), std::invalid_argument);
}

// ---- the toy learning check on three generators of 2,500 ring-of-8 samples -------------------

constexpr int64_t kSamples = 2500;

data::ToySet ring8() { return data::make_toy_set("toy-ring8", 16, 0); }

TEST(ModeCoverageOnRing8, TrueMixturePassesWithAlmostAllSamplesInsideThreeSigma) {
  const auto set = ring8();
  const auto c =
      mode_coverage(data::make_toy_set("toy-ring8", kSamples, 7).points, set.centres, set.sigma);
  // Each mode draws ~2500/8 = 312 samples. A 2-D N(0, s^2 I) point lies within 3s of its mean
  // with probability 1 - exp(-9/2) = 0.98889 (the radius is Rayleigh distributed); over 2,500
  // samples the binomial sd is 0.0021, so 0.975..0.999 is beyond 6 sd.
  EXPECT_EQ(c.modes_covered, 8);
  EXPECT_GT(c.high_quality, 0.975);
  EXPECT_LT(c.high_quality, 0.999);
  for (int64_t count : c.counts) EXPECT_GT(count, 200);  // 312 +- 6 sd (6 x 16.5)
  EXPECT_TRUE(test::passes_toy_learning_check(c));
}

TEST(ModeCoverageOnRing8, GeneratorUniformOnTheCircleFails) {
  const auto set = ring8();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12345);
  const auto angle = at::rand({kSamples}, gen, torch::kFloat64) * (2.0 * std::numbers::pi);
  const auto points = torch::stack({2.0 * angle.cos(), 2.0 * angle.sin()}, 1);
  const auto c = mode_coverage(points, set.centres, set.sigma);
  // A point at angle d from a centre on the radius-2 circle is 4 sin(d/2) away from it; within
  // 3 sigma = 0.06 means |d| <= 2 asin(0.015) = 0.030001 rad. Eight arcs of 0.060002 rad out
  // of 2 pi: 0.0764 of the samples (binomial sd 0.0053), far below the 25% required.
  EXPECT_NEAR(c.high_quality, 0.0764, 0.03);
  EXPECT_FALSE(test::passes_toy_learning_check(c));
}

TEST(ModeCoverageOnRing8, GeneratorCollapsedOntoOneModeFails) {
  const auto set = ring8();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(777);
  // Every sample from mode 3's Gaussian (centre at angle 3 pi / 4), the real sigma.
  const auto points = set.centres[3].unsqueeze(0) +
                      set.sigma * at::normal(0.0, 1.0, {kSamples, 2}, gen, torch::kFloat64);
  const auto c = mode_coverage(points, set.centres, set.sigma);
  // One mode holds ~98.9% of the samples (see the true mixture); the other seven hold none.
  EXPECT_EQ(c.modes_covered, 1);
  EXPECT_EQ(c.counts[3], static_cast<int64_t>(std::llround(c.high_quality * kSamples)));
  EXPECT_GT(c.high_quality, 0.975);
  EXPECT_FALSE(test::passes_toy_learning_check(c));
}

TEST(ModeCoverageOnRing8, SamplesExactlyOnTheCentresCoverEveryMode) {
  const auto set = ring8();
  // 8 centres x 10 copies: every sample at distance 0 of its own mode -> counts 10 each,
  // 8 modes (10 >= 1% of 80), high quality 1.
  const auto c = mode_coverage(set.centres.repeat({10, 1}), set.centres, set.sigma);
  EXPECT_EQ(c.counts, std::vector<int64_t>(8, 10));
  EXPECT_EQ(c.modes_covered, 8);
  EXPECT_DOUBLE_EQ(c.high_quality, 1.0);
}

}  // namespace
}  // namespace ganrun::models
