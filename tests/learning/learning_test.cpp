// tests/learning/learning_test.cpp — does the GAN learn? Trains the seed MLP pair on
// Fashion-MNIST's train split (one thread, a fixed step budget) and scores 2,000 fixed-noise
// samples against the test split by the Fréchet distance in pixel space, which uses no
// discriminator and penalises a collapsed generator (its covariance term). The trained generator
// must beat both the step-0 generator and a generator that always outputs the data set's mean
// image by at least 20%.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/utils.h>  // torch::set_num_threads

#include <cstdlib>
#include <filesystem>

#include "data/batch_source.h"
#include "data/dataset_loader.h"
#include "models/frechet.h"
#include "models/run_random.h"
#include "models/variant.h"
#include "runner/train_loop.h"
#include "tests/unit/test_paths.h"

namespace ganrun {
namespace {

// Fixed after trying seeds 0-4 (GANRUN_LEARNING_SEED=k), FD against the 2,000 test images:
//   lr 2e-4, 1500 steps: trained 203, 172, 173, 264, 142 vs mean image 270: seed 3 fails.
//   lr 5e-4, 1500 steps: trained 96, 93, 106, 107, 101 (step 0: 530; mean image: 270),
// so at 5e-4 the worst seed is at 0.40 of the mean image's FD, far inside the 0.8 bound.
// About 45 s on one thread of these machines.
constexpr int64_t kSteps = 1500;
constexpr double kLearningRate = 5e-4;
constexpr int64_t kEvalSamples = 2000;
constexpr double kRequiredGain = 0.8;  // trained FD <= 0.8 x each baseline's FD

class NullObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

torch::Tensor flat_pixels(const torch::Tensor& u8_or_float) {
  // [N, C, H, W] in the training range [-1, 1] as float64 [N, C*H*W].
  auto x = u8_or_float.scalar_type() == torch::kUInt8
               ? data::to_training_range(u8_or_float, torch::kFloat64)
               : u8_or_float.to(torch::kFloat64);
  return x.flatten(1);
}

TEST(Learning, TrainedGanBeatsStepZeroAndMeanImageOnFashionMnist) {
  const std::filesystem::path dir = test::fashion_mnist_dir();
  if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST not found in " << dir
                 << " (apt-get install dataset-fashion-mnist)";
  const char* seed_env = std::getenv("GANRUN_LEARNING_SEED");
  const int64_t seed = seed_env ? std::atoll(seed_env) : 0;
  torch::set_num_threads(1);
  const auto train = data::load_dataset("fashion-mnist", dir.string(), "train");
  const auto test = data::load_dataset("fashion-mnist", dir.string(), "test");
  const auto reference = flat_pixels(test.images.narrow(0, 0, kEvalSamples));

  RunSettings s;
  s.steps = kSteps;
  s.seed = seed;
  s.log_every = kSteps;
  s.sample_every = 0;
  models::VariantConfig vc;  // the seed MLP pair, Adam 2e-4 (0.5, 0.999), z_dim 100
  vc.seed = static_cast<uint64_t>(seed);
  vc.opt_g.lr = vc.opt_d.lr = s.lr_g = s.lr_d = kLearningRate;
  auto variant = models::make_variant(vc);
  const auto z = models::normal_noise(kEvalSamples, vc.z_dim, static_cast<uint64_t>(seed), 0,
                                      models::Purpose::kUser, 0, torch::TensorOptions());
  const double fd_step0 = models::frechet_distance(flat_pixels(variant->sample(z)), reference);

  const LoopSetup setup = single_process_setup(s, "learning", kSteps, torch::kCPU);
  NullObserver observer;
  auto source = data::make_in_memory_source(train, torch::kCPU);
  const auto result = train_loop(*variant, *source, setup, observer);
  ASSERT_FALSE(result.diverged) << result.message;

  const double fd_trained = models::frechet_distance(flat_pixels(variant->sample(z)), reference);
  const auto mean_image = flat_pixels(train.images).mean(0, /*keepdim=*/true);
  const double fd_mean =
      models::frechet_distance(mean_image.expand({kEvalSamples, mean_image.size(1)}), reference);
  fmt::print("seed {}: FD step0 {:.2f}  mean-image {:.2f}  trained ({} steps) {:.2f}\n", seed,
             fd_step0, fd_mean, kSteps, fd_trained);
  EXPECT_LE(fd_trained, kRequiredGain * fd_step0);
  EXPECT_LE(fd_trained, kRequiredGain * fd_mean);
}

}  // namespace
}  // namespace ganrun
