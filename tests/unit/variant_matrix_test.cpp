// tests/unit/variant_matrix_test.cpp — every variant on every architecture it accepts trains 5
// steps (batch 8, n_critic 2, float32, CPU) with finite metrics, and every pair it rejects is
// refused with a message naming both.
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/metric_accumulator.h"
#include "models/nets.h"
#include "models/variant.h"

namespace ganrun::models {
namespace {

const std::vector<std::string> kVariants{"gan",  "lsgan", "wgan",    "wgan-gp", "dragan",
                                         "cgan", "acgan", "infogan", "ebgan",   "began"};

// The data shape each architecture trains on here (its natural data set).
std::tuple<int64_t, int64_t, int64_t> shape_for(const std::string& arch) {
  if (arch == "toy") return {2, 1, 1};
  if (arch == "dcgan32" || arch == "ae32") return {3, 32, 32};
  return {1, 28, 28};
}

using Pair = std::tuple<std::string, std::string>;

std::vector<Pair> accepted_pairs() {
  std::vector<Pair> pairs;
  for (const auto& v : kVariants)
    for (const auto& a : accepted_archs(v)) pairs.emplace_back(v, a);
  return pairs;
}

class VariantMatrix : public testing::TestWithParam<Pair> {};

TEST_P(VariantMatrix, FiveStepsGiveFiniteMetrics) {
  const auto& [variant_name, arch] = GetParam();
  const auto [c, h, w] = shape_for(arch);
  VariantConfig config;
  config.variant = variant_name;
  config.arch = arch;
  config.z_dim = 16;
  config.channels = c;
  config.height = h;
  config.width = w;
  config.toy_width = 32;
  config.seed = 3;
  auto variant = make_variant(config);

  constexpr int64_t kBatch = 8, kCritic = 2, kSteps = 5;
  const BatchSlice slice{kBatch, 0, kBatch};
  const NoiseSource noise(3, config.z_dim, slice, torch::TensorOptions().dtype(torch::kFloat32));
  const LocalReducer reducer;
  const GradientSync no_sync = [](torch::nn::Module&) {};
  MetricAccumulator metrics(variant->metric_names());
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  for (int64_t step = 0; step < kSteps; ++step) {
    StepContext ctx;
    ctx.step = step;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    for (int64_t i = 0; i < kCritic; ++i) {
      ctx.critic_iter = i;
      RealBatch real;
      real.images = arch == "toy" ? at::empty({kBatch, 2}).uniform_(-2, 2, gen)
                                  : at::empty({kBatch, c, h, w}).uniform_(-1, 1, gen);
      real.labels = at::randint(10, {kBatch}, gen, torch::TensorOptions().dtype(torch::kInt64));
      variant->discriminator_step(real, ctx, metrics);
    }
    ctx.critic_iter = kCritic;
    variant->generator_step(ctx, metrics);
    variant->end_step(ctx, metrics);
  }
  std::vector<bool> sampled;
  const auto means = metrics.take_means(&sampled);
  const auto& names = variant->metric_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "d_loss");
  EXPECT_EQ(names[1], "g_loss");
  for (size_t m = 0; m < means.size(); ++m) {
    if (m < 2) {
      EXPECT_TRUE(sampled[m]) << names[m] << " never recorded";
    }
    if (sampled[m]) {
      EXPECT_TRUE(std::isfinite(means[m])) << names[m] << " = " << means[m];
    }
  }
  // The sample grid has the promised size and shape, in the tanh range.
  const auto z = at::randn({variant->fixed_noise_rows(), config.z_dim}, gen);
  const auto images = variant->sample(z);
  EXPECT_EQ(images.size(0), variant->samples_per_grid());
  EXPECT_LE(images.abs().max().item<double>(), 1.0 + 1e-6);
}

std::string pair_name(const testing::TestParamInfo<Pair>& info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, VariantMatrix, testing::ValuesIn(accepted_pairs()), pair_name);

TEST(VariantRejects, EveryUnacceptedPairNamesVariantAndArch) {
  int rejected = 0;
  for (const auto& v : kVariants) {
    const auto& ok = accepted_archs(v);
    ASSERT_FALSE(ok.empty()) << v;
    for (const auto& arch : arch_names()) {
      if (std::find(ok.begin(), ok.end(), arch) != ok.end()) continue;
      VariantConfig config;
      config.variant = v;
      config.arch = arch;
      try {
        make_variant(config);
        ADD_FAILURE() << v << " x " << arch << " was accepted";
      } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("'" + v + "'"), std::string::npos) << what;
        EXPECT_NE(what.find("'" + arch + "'"), std::string::npos) << what;
        ++rejected;
      }
    }
  }
  // 7 unconditional variants... counted by hand from the accepted lists: gan, lsgan, wgan,
  // wgan-gp, dragan reject ae28, ae32 (2 each = 10); cgan, acgan, infogan reject
  // dcgan28-allconv, ae28, ae32, toy (4 each = 12); ebgan, began reject the 7 others (14).
  EXPECT_EQ(rejected, 36);
}

// lsgan records d_real = the mean critic output its loss sees, before the update: the raw
// output (linear) or its sigmoid (`critic_output: sigmoid`, the 2017 collection's critics),
// computed here from the same critic on the same batch (mlp: no BatchNorm, no dropout).
TEST(CriticOutput, SigmoidIsWhatTheLsganLossSees) {
  for (const std::string form : {"linear", "sigmoid"}) {
    VariantConfig config;
    config.variant = "lsgan";
    config.arch = "mlp";
    config.z_dim = 16;
    config.seed = 5;
    config.dtype = torch::kFloat64;
    config.critic_output = form;
    auto variant = make_variant(config);
    auto critic = std::dynamic_pointer_cast<CriticNet>(variant->networks().at(1));
    ASSERT_NE(critic, nullptr);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    RealBatch real;
    real.images = at::empty({8, 1, 28, 28}, torch::kFloat64).uniform_(-1, 1, gen);
    real.labels = at::zeros({8}, torch::TensorOptions().dtype(torch::kInt64));
    double expected = 0.0;
    {
      torch::NoGradGuard no_grad;
      const auto raw = critic->forward(real.images, {});
      expected = (form == "sigmoid" ? torch::sigmoid(raw) : raw).mean().item<double>();
    }
    const NoiseSource noise(5, config.z_dim, BatchSlice{8, 0, 8},
                            torch::TensorOptions().dtype(torch::kFloat64));
    const LocalReducer reducer;
    const GradientSync no_sync = [](torch::nn::Module&) {};
    MetricAccumulator metrics(variant->metric_names());
    StepContext ctx;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    variant->discriminator_step(real, ctx, metrics);
    const auto& names = variant->metric_names();
    const auto d_real = std::find(names.begin(), names.end(), "d_real") - names.begin();
    EXPECT_NEAR(metrics.take_means()[static_cast<size_t>(d_real)], expected, 1e-12) << form;
  }
}

TEST(CriticOutput, SigmoidIsRefusedWhereTheLossAlreadyBoundsTheOutput) {
  for (const std::string variant : {"gan", "dragan"}) {
    VariantConfig config;
    config.variant = variant;
    config.arch = "mlp";
    config.critic_output = "sigmoid";
    try {
      make_variant(config);
      ADD_FAILURE() << variant << " accepted critic_output: sigmoid";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("critic_output"), std::string::npos) << e.what();
    }
  }
  VariantConfig wgan_gp;
  wgan_gp.variant = "wgan-gp";
  wgan_gp.arch = "mlp";
  wgan_gp.critic_output = "sigmoid";
  EXPECT_NO_THROW(make_variant(wgan_gp));
}

}  // namespace
}  // namespace ganrun::models
