// tests/learning/toy_learning_test.cpp — does WGAN-GP learn the ring of 8 Gaussians? Trains
// WGAN-GP's 2-D recipe (the toy-2d preset, on 3x128 nets instead of its 3x512) through the real
// step loop on toy-ring8, one thread, a fixed seed and step budget, and scores the loop's own
// evaluation points: 2,500 fixed-noise samples at each of the last three must cover >= 6 of 8
// modes (>= 1% of the samples each) with >= 25% of the samples within 3 sigma of a centre
// (tests/learning/toy_learning_check.h; the unit tests show that a generator uniform on the
// circle and one collapsed onto a mode fail that check).
//
// The recipe is gan_toy.py of igul222/improved_wgan_training: z = 2-D N(0, 1) noise, G
// 2 -> DIM -> DIM -> DIM -> 2 and D 2 -> DIM -> DIM -> DIM -> 1 with ReLU, no normalisation,
// lambda 0.1, 5 critic updates per generator update, batch 256, Adam 1e-4 (0.5, 0.9) for both.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/utils.h>  // torch::set_num_threads

#include <cstdlib>
#include <vector>

#include "data/batch_source.h"
#include "data/dataset_loader.h"
#include "models/variant.h"
#include "runner/train_loop.h"
#include "tests/learning/toy_learning_check.h"

namespace ganrun {
namespace {

// Fixed after seeds 0-4 at 4,000 steps (GANRUN_LEARNING_SEED=k): modes covered / fraction
// within 3 sigma at steps 2,800, 2,900, 3,000 | 3,800, 3,900, 4,000:
//   seed 0: 8/0.394 8/0.383 8/0.428 | 8/0.507 8/0.508 8/0.556
//   seed 1: 8/0.564 8/0.580 8/0.587 | 8/0.666 8/0.662 8/0.661
//   seed 2: 8/0.558 8/0.579 8/0.603 | 8/0.714 8/0.716 8/0.728
//   seed 3: 8/0.499 8/0.480 8/0.518 | 8/0.613 8/0.616 8/0.623
//   seed 4: 8/0.404 8/0.412 8/0.447 | 8/0.503 8/0.534 8/0.564
// All 8 modes from step ~1,900 on every seed; at 3,000 steps the worst scored point is 0.383,
// 1.5x the 0.25 required (at 2,500 seed 0 sits at 0.29-0.35, too close). 4,000 steps took
// 94 s of CPU on one thread here, so 3,000 take about 70 s.
constexpr int64_t kSteps = 3000;
constexpr int64_t kEvalEvery = 100;
constexpr int64_t kEvalSamples = 2500;
constexpr int64_t kToyWidth = 128;
constexpr int64_t kScoredEvals = 3;  // the last three evaluation points

class CoverageObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
  void on_points(int64_t steps_done, const ToyEval& eval) override {
    ASSERT_TRUE(eval.coverage.has_value());
    steps.push_back(steps_done);
    coverage.push_back(*eval.coverage);
  }
  std::vector<int64_t> steps;
  std::vector<models::ModeCoverage> coverage;
};

int64_t env_or(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoll(v) : fallback;
}

TEST(ToyLearning, WganGpCoversTheRingOfEightGaussians) {
  // GANRUN_LEARNING_SEED / GANRUN_TOY_STEPS: for measuring other seeds and budgets.
  const int64_t seed = env_or("GANRUN_LEARNING_SEED", 0);
  const int64_t steps = env_or("GANRUN_TOY_STEPS", kSteps);
  torch::set_num_threads(1);
  auto source = data::make_toy_source(data::load_toy_set("toy-ring8", ""), torch::kCPU);

  RunSettings s;  // the loop's side of the toy-2d preset
  s.dataset = "toy-ring8";
  s.variant = "wgan-gp";
  s.arch = "toy";
  s.batch = 256;
  s.n_critic = 5;
  s.z_dim = 2;
  s.steps = steps;
  s.seed = seed;
  s.log_every = kEvalEvery;
  s.sample_every = 0;
  models::VariantConfig vc;  // the variant's side, filled directly
  vc.variant = "wgan-gp";
  vc.arch = "toy";
  vc.toy_depth = 3;
  vc.toy_width = kToyWidth;
  vc.z_dim = 2;
  vc.channels = source->channels();
  vc.height = source->height();
  vc.width = source->width();
  vc.gp_lambda = 0.1;
  vc.critic_norm = "none";
  for (auto* opt : {&vc.opt_g, &vc.opt_d}) {
    opt->kind = "adam";
    opt->lr = 1e-4;
    opt->beta1 = 0.5;
    opt->beta2 = 0.9;
  }
  vc.seed = static_cast<uint64_t>(seed);
  auto variant = models::make_variant(vc);

  LoopSetup setup = single_process_setup(s, "toy-learning", steps, torch::kCPU);
  setup.eval_every = kEvalEvery;
  setup.eval_at_end = true;
  setup.toy_samples = kEvalSamples;
  CoverageObserver observer;
  const auto result = train_loop(*variant, *source, setup, observer);
  ASSERT_FALSE(result.diverged) << result.message;
  ASSERT_GE(observer.coverage.size(), static_cast<size_t>(kScoredEvals));

  for (size_t i = 0; i < observer.coverage.size(); ++i) {
    const auto& c = observer.coverage[i];
    fmt::print("seed {} step {:5d}: modes {} high quality {:.3f}\n", seed, observer.steps[i],
               c.modes_covered, c.high_quality);
  }
  for (size_t i = observer.coverage.size() - kScoredEvals; i < observer.coverage.size(); ++i) {
    const auto& c = observer.coverage[i];
    EXPECT_TRUE(test::passes_toy_learning_check(c))
        << "step " << observer.steps[i] << ": " << c.modes_covered << " modes, " << c.high_quality
        << " within 3 sigma (need " << test::kToyMinModes << " and " << test::kToyMinHighQuality
        << ")";
  }
}

}  // namespace
}  // namespace ganrun
