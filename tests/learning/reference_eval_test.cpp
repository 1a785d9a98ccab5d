// tests/learning/reference_eval_test.cpp — the reference classifier as an instrument, on the
// MNIST net the ctest fixture trained ($GANRUN_TEST_REFERENCES): a "generator" that returns
// equal counts of held-out real images of classes 0-4 must score 5 classes covered and, from
// the true labels, KL(p || uniform) = ln 2 exactly (5 of 10 classes, each 1/5); through the
// classifier the KL may move only as far as its errors on those images allow. And the held-out
// images score a near-zero FD against themselves and a floor far below a collapsed set.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

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

}  // namespace
}  // namespace ganrun
