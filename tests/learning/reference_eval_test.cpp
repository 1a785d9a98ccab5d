// tests/learning/reference_eval_test.cpp — the reference classifier as an instrument, on the
// MNIST net the ctest fixture trained ($GANRUN_TEST_REFERENCES): a "generator" that returns
// equal counts of held-out real images of classes 0-4 must score 5 classes covered and, from
// the true labels, KL(p || uniform) = ln 2 exactly (5 of 10 classes, each 1/5); through the
// classifier the KL may move only as far as its errors on those images allow. The held-out
// images score a near-zero FD against themselves and a floor far below a collapsed set, and the
// FD grows as they are noised or blurred.
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "models/frechet.h"
#include "models/reference_net.h"
#include "models/sample_metrics.h"
#include "runner/references.h"
#include "tests/unit/test_paths.h"

namespace ganrun {
namespace {

std::optional<LoadedReference> mnist_reference() {
  const std::filesystem::path cache = test::env_or("GANRUN_TEST_REFERENCES", "");
  const auto file = cache.empty() ? std::nullopt : find_reference(cache, "mnist", "lenet");
  if (!file) return std::nullopt;
  return load_reference(*file, test::shared_data_dir() + "/mnist", torch::kCPU);
}

TEST(ReferenceEval, RealClassesZeroToFourCoverFiveClassesWithKlLn2) {
  const auto reference = mnist_reference();
  if (!reference)
    GTEST_SKIP() << "no mnist reference net in GANRUN_TEST_REFERENCES (the ctest fixture "
                    "reference_nets trains it)";
  constexpr int64_t kPerClass = 200;
  std::vector<torch::Tensor> picks;
  for (int64_t c = 0; c < 5; ++c)
    picks.push_back(reference->eval_labels.eq(c).nonzero().flatten().narrow(0, 0, kPerClass));
  const auto idx = torch::cat(picks);
  const auto labels = reference->eval_labels.index_select(0, idx);
  const auto images = reference->eval_images.index_select(0, idx);

  // From the true labels: one-hot probabilities.
  const auto truth = models::class_statistics(torch::one_hot(labels, 10).to(torch::kFloat64));
  EXPECT_EQ(truth.classes_covered, 5);
  EXPECT_NEAR(truth.kl_to_uniform, std::log(2.0), 1e-15);

  const auto probabilities = models::classify(*reference->net, images).probabilities;
  const auto predicted = models::class_statistics(probabilities);
  const double error =
      1.0 - probabilities.argmax(1).eq(labels).to(torch::kFloat64).mean().item<double>();
  // Moving a fraction e of the mass between classes changes sum q ln(10 q) by at most about
  // e (ln 10 + 1) per side: the bound below.
  const double bound = 2.0 * error * (std::log(10.0) + 1.0) + 1e-12;
  fmt::print(
      "classifier error on these images {:.4f}; KL {:.6f} (ln 2 = {:.6f}, bound {:.4f}); "
      "classes covered {}\n",
      error, predicted.kl_to_uniform, std::log(2.0), bound, predicted.classes_covered);
  EXPECT_EQ(predicted.classes_covered, 5);
  EXPECT_NEAR(predicted.kl_to_uniform, std::log(2.0), bound);
}

TEST(ReferenceEval, HeldOutFloorIsFarBelowACollapsedSet) {
  const auto reference = mnist_reference();
  if (!reference) GTEST_SKIP() << "no mnist reference net in GANRUN_TEST_REFERENCES";
  const auto a = models::classify(*reference->net, reference->eval_images.narrow(0, 0, 1000));
  const auto b = models::classify(*reference->net, reference->eval_images.narrow(0, 1000, 1000));
  const double self = models::frechet_distance(a.features, a.features);
  const double floor = models::frechet_distance(a.features, b.features);
  // A collapsed "generator": 1000 copies of one held-out image.
  const auto one = reference->eval_images.narrow(0, 0, 1).expand({1000, 1, 28, 28});
  const double collapsed =
      models::frechet_distance(a.features, models::classify(*reference->net, one).features);
  fmt::print("fd_lenet: self {:.3g}, real-vs-real {:.4g}, collapsed {:.4g}\n", self, floor,
             collapsed);
  EXPECT_NEAR(self, 0.0, 1e-6 * floor);
  EXPECT_LT(floor * 10, collapsed);
}

// fd_lenet grows with every step of added noise and of blur (a 3 x 3 box filter applied again and
// again): the features see image quality, not only pixel statistics.
TEST(ReferenceEval, FdGrowsAsImagesAreNoisedOrBlurred) {
  const auto reference = mnist_reference();
  if (!reference) GTEST_SKIP() << "no mnist reference net in GANRUN_TEST_REFERENCES";
  const auto real =
      models::classify(*reference->net, reference->eval_images.narrow(0, 0, 1000)).features;
  const auto images = reference->eval_images.narrow(0, 1000, 1000).to(torch::kFloat64);
  auto fd_of = [&](const torch::Tensor& x) {
    const auto u8 = x.round().clamp(0, 255).to(torch::kUInt8);
    return models::frechet_distance(real, models::classify(*reference->net, u8).features);
  };
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const auto noise = at::randn(images.sizes(), gen, torch::kFloat64);
  std::vector<double> noised, blurred;
  for (double sigma : {0.0, 20.0, 40.0, 80.0}) noised.push_back(fd_of(images + sigma * noise));
  const auto box = torch::full({1, 1, 3, 3}, 1.0 / 9, torch::kFloat64);
  auto x = images;
  for (int times = 0; times < 4; ++times) {
    blurred.push_back(fd_of(x));
    x = torch::conv2d(x, box, {}, 1, 1);
  }
  fmt::print(
      "fd_lenet with noise sigma 0/20/40/80: {:.3g} {:.3g} {:.3g} {:.3g}; blurred 0-3x: "
      "{:.3g} {:.3g} {:.3g} {:.3g}\n",
      noised[0], noised[1], noised[2], noised[3], blurred[0], blurred[1], blurred[2], blurred[3]);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_GT(noised[i], noised[i - 1]) << "noise step " << i;
    EXPECT_GT(blurred[i], blurred[i - 1]) << "blur step " << i;
  }
}

}  // namespace
}  // namespace ganrun
