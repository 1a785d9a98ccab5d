// tests/unit/conditional_variants_test.cpp — the conditional inputs (one-hot, the collection's
// 10x10 class-by-noise grid and the samples drawn from it), and 5 training steps (batch 8,
// n_critic 2, float64, CPU) of cgan, acgan, infogan, ebgan and began in each of their forms,
// with finite metrics and a generator that moved.
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/conditional.h"
#include "models/nets.h"
#include "models/variant.h"

namespace ganrun::models {
namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor fixed_randn(std::vector<int64_t> sizes, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(sizes, gen, kF64);
}

VariantConfig small_config(const std::string& variant, const std::string& arch) {
  VariantConfig c;
  c.variant = variant;
  c.arch = arch;
  c.z_dim = 16;
  c.classes = 10;
  c.critic_norm = "";  // each architecture's own normalisation
  c.seed = 3;
  c.dtype = torch::kFloat64;
  return c;
}

TEST(ConditionalInputs, OneHotOnHandLabels) {
  // labels (2, 0, 1), 3 classes -> rows e_2, e_0, e_1.
  auto labels = torch::tensor({2, 0, 1}, torch::kInt64);
  auto expected = torch::tensor({0., 0., 1., 1., 0., 0., 0., 1., 0.}, kF64).reshape({3, 3});
  EXPECT_TRUE(torch::equal(one_hot(labels, 3, kF64), expected));
}

TEST(ConditionalInputs, GeneratorInputIsZThenOneHot) {
  // z rows (0.5), (0.25) with labels (1, 0), 2 classes -> (0.5, 0, 1), (0.25, 1, 0).
  auto z = torch::tensor({0.5, 0.25}, kF64).reshape({2, 1});
  auto input = with_one_hot(z, torch::tensor({1, 0}, torch::kInt64), 2);
  auto expected = torch::tensor({0.5, 0., 1., 0.25, 1., 0.}, kF64).reshape({2, 3});
  EXPECT_TRUE(torch::equal(input, expected));
}

TEST(ClassByNoiseGrid, EntryCTimesIPlusJHoldsNoiseRowIAndClassJ) {
  // 3 noise rows (10), (20), (30) and 4 classes: entry 4 i + j = (10 (i + 1), class j), so a
  // grid row (4 consecutive entries) repeats one noise vector over the classes.
  auto rows = torch::tensor({10.0, 20.0, 30.0}, kF64).reshape({3, 1});
  const auto grid = class_by_noise_grid(rows, 4);
  ASSERT_EQ(grid.noise.sizes(), torch::IntArrayRef({12, 1}));
  ASSERT_EQ(grid.labels.sizes(), torch::IntArrayRef({12}));
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_EQ(grid.noise[4 * i + j][0].item<double>(), 10.0 * static_cast<double>(i + 1));
      EXPECT_EQ(grid.labels[4 * i + j].item<int64_t>(), j);
    }
  }
}

// The sample grid of a conditional variant is G, in eval mode, applied to noise row i with
// class (or category) j at image 10 i + j; `input_for(z_row, j)` builds G's input by hand.
void expect_class_by_noise_samples(
    const std::string& variant,
    const std::function<torch::Tensor(const torch::Tensor&, int64_t)>& input_for) {
  auto v = make_variant(small_config(variant, "mlp"));
  ASSERT_EQ(v->fixed_noise_rows(), 10);
  ASSERT_EQ(v->samples_per_grid(), 100);
  auto z = fixed_randn({10, 16}, 21);
  auto images = v->sample(z);
  ASSERT_EQ(images.sizes(), torch::IntArrayRef({100, 1, 28, 28}));
  auto generator = std::dynamic_pointer_cast<GeneratorNet>(v->networks().front());
  ASSERT_NE(generator, nullptr);
  torch::NoGradGuard no_grad;
  generator->eval();
  for (int64_t i : {0, 3, 9}) {
    for (int64_t j : {0, 4, 9}) {
      auto expected = generator->forward(input_for(z[i], j).unsqueeze(0))[0];
      EXPECT_TRUE(torch::allclose(images[10 * i + j], expected, 1e-12, 1e-12))
          << variant << " image " << 10 * i + j;
    }
  }
  // Same noise, another class: another image.
  EXPECT_FALSE(torch::allclose(images[0], images[1]));
}

torch::Tensor e(int64_t j, int64_t classes) {
  auto v = torch::zeros({classes}, kF64);
  v[j] = 1.0;
  return v;
}

TEST(ClassByNoiseGrid, CganSamplesAreNoiseRowsByClassColumns) {
  expect_class_by_noise_samples("cgan", [](const torch::Tensor& z, int64_t j) {
    return torch::cat({z, e(j, 10)});
  });
}

TEST(ClassByNoiseGrid, InfoganSamplesVaryTheCategoryWithContinuousCodesZero) {
  // infoGAN.py's generator input order: z, the 2 continuous codes, the one-hot category.
  expect_class_by_noise_samples("infogan", [](const torch::Tensor& z, int64_t j) {
    return torch::cat({z, torch::zeros({2}, kF64), e(j, 10)});
  });
}

struct StepCase {
  std::string name;
  std::string variant;
  std::string arch;
  std::function<void(VariantConfig&)> tweak;
};

std::ostream& operator<<(std::ostream& os, const StepCase& c) { return os << c.name; }

class AeAndConditionalSteps : public ::testing::TestWithParam<StepCase> {};

// 5 steps of the loop's shape: n_critic critic updates on fresh random "images" in [-1, 1)
// with random labels, then the generator update and end_step (an epoch ends every 2 steps).
TEST_P(AeAndConditionalSteps, FiveStepsGiveFiniteMetricsAndMoveTheGenerator) {
  const auto& param = GetParam();
  VariantConfig config = small_config(param.variant, param.arch);
  if (param.tweak) param.tweak(config);
  auto variant = make_variant(config);
  std::vector<torch::Tensor> before;
  for (const auto& p : variant->networks().front()->parameters()) before.push_back(p.clone());

  constexpr int64_t kBatch = 8, kCriticIters = 2, kSteps = 5;
  NoiseSource noise(config.seed, config.z_dim, BatchSlice{kBatch, 0, kBatch}, kF64,
                    ZDist::kUniform01);
  const LocalReducer reducer;
  const GradientSync no_sync = [](torch::nn::Module&) {};
  MetricAccumulator metrics(variant->metric_names());
  auto data_gen = at::make_generator<at::CPUGeneratorImpl>(99);
  for (int64_t step = 0; step < kSteps; ++step) {
    StepContext ctx;
    ctx.step = step;
    ctx.epoch = step / 2;
    ctx.epoch_end = step % 2 == 1;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    for (int64_t i = 0; i < kCriticIters; ++i) {
      ctx.critic_iter = i;
      RealBatch real{torch::rand({kBatch, 1, 28, 28}, data_gen, kF64) * 2.0 - 1.0,
                     torch::randint(10, {kBatch}, data_gen, torch::kInt64)};
      variant->discriminator_step(real, ctx, metrics);
    }
    ctx.critic_iter = kCriticIters;
    variant->generator_step(ctx, metrics);
    variant->end_step(ctx, metrics);
  }
  std::vector<bool> sampled;
  const auto means = metrics.take_means(&sampled);
  const auto& names = variant->metric_names();
  for (size_t m = 0; m < names.size(); ++m) {
    EXPECT_TRUE(sampled[m]) << names[m] << " was never recorded";
    EXPECT_TRUE(std::isfinite(means[m])) << names[m] << " = " << means[m];
  }
  const auto after = variant->networks().front()->parameters();
  bool moved = false;
  for (size_t i = 0; i < before.size(); ++i) moved = moved || !torch::equal(before[i], after[i]);
  EXPECT_TRUE(moved) << "the generator's parameters did not change";
}

INSTANTIATE_TEST_SUITE_P(
    Variants, AeAndConditionalSteps,
    ::testing::Values(StepCase{"cgan_mlp", "cgan", "mlp", {}},
                      StepCase{"acgan_mlp", "acgan", "mlp", {}},
                      StepCase{"infogan_mlp_paper", "infogan", "mlp", {}},
                      StepCase{"infogan_mlp_collection_optimizer", "infogan", "mlp",
                               [](VariantConfig& c) { c.info_optimizer = true; }},
                      StepCase{"ebgan_ae28_paper", "ebgan", "ae28", {}},
                      StepCase{"ebgan_ae28_collection", "ebgan", "ae28",
                               [](VariantConfig& c) {
                                 c.hinge = "batch";
                                 c.pullaway = "collection";
                                 c.energy_target = "detached";
                               }},
                      StepCase{"began_ae28_paper", "began", "ae28", {}},
                      StepCase{"began_ae28_collection", "began", "ae28",
                               [](VariantConfig& c) {
                                 c.gamma = 1.0;
                                 c.lr_schedule = "collection";
                               }}),
    [](const ::testing::TestParamInfo<StepCase>& info) { return info.param.name; });

TEST(AeVariantSettings, UnknownFormsAreErrorsNamingTheSetting) {
  auto with = [](const std::string& variant, std::function<void(VariantConfig&)> tweak) {
    VariantConfig c = small_config(variant, "ae28");
    tweak(c);
    return c;
  };
  try {
    make_variant(with("ebgan", [](VariantConfig& c) { c.hinge = "mean"; }));
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("hinge 'mean'"), std::string::npos) << err.what();
  }
  try {
    make_variant(with("ebgan", [](VariantConfig& c) { c.pullaway = "l1"; }));
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("pullaway 'l1'"), std::string::npos) << err.what();
  }
  try {
    make_variant(with("ebgan", [](VariantConfig& c) { c.energy_target = "stopped"; }));
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("energy_target 'stopped'"), std::string::npos)
        << err.what();
  }
  try {
    make_variant(with("began", [](VariantConfig& c) { c.lr_schedule = "step"; }));
    ADD_FAILURE() << "expected an error";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("lr_schedule 'step'"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace ganrun::models
