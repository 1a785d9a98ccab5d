// tests/unit/adversarial_losses_test.cpp — the gan, lsgan and wgan losses on hand-made critic
// outputs (expected values worked out in the comments), WGAN's clipping in both forms, and
// 5 steps of each of gan, lsgan, wgan, wgan-gp and dragan on arch mlp with finite losses.
#include "models/adversarial_losses.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/penalties.h"
#include "models/variant.h"

namespace ganrun::models {
namespace {

torch::Tensor column(std::vector<double> values) {
  return torch::tensor(values, torch::kFloat64).reshape({-1, 1});  // critic outputs [B, 1]
}

double value(const torch::Tensor& t) { return t.item<double>(); }

// Logits 0 and ln 3 are sigmoid 1/2 and 3/4; -ln 3 is sigmoid 1/4.
const double kLn3 = std::log(3.0);

TEST(GanLosses, DiscriminatorLossIsBceOnRealAndFake) {
  // real [0, ln 3]: -log(1/2) = ln 2, -log(3/4) = ln(4/3): mean ln(8/3) / 2.
  // fake [0, -ln 3]: -log(1 - 1/2) = ln 2, -log(1 - 1/4) = ln(4/3): mean ln(8/3) / 2.
  // Sum: ln(8/3) = 0.98082925...
  EXPECT_NEAR(value(gan_d_loss(column({0.0, kLn3}), column({0.0, -kLn3}))), std::log(8.0 / 3.0),
              1e-12);
}

TEST(GanLosses, GeneratorLossNonSaturatingAndMinimax) {
  // fake [0, -ln 3], non-saturating: -log(1/2) = ln 2, -log(1/4) = 2 ln 2: mean 1.5 ln 2.
  EXPECT_NEAR(value(gan_g_loss(column({0.0, -kLn3}), false)), 1.5 * std::log(2.0), 1e-12);
  // minimax: mean log(1 - D) = (log(1/2) + log(3/4)) / 2 = -ln(8/3) / 2 = -0.49041462...
  EXPECT_NEAR(value(gan_g_loss(column({0.0, -kLn3}), true)), -std::log(8.0 / 3.0) / 2.0, 1e-12);
}

TEST(LsganLosses, DiscriminatorLossRegressesRealToOneAndFakeToZeroWithHalfFactors) {
  // real [1, 3]: (1-1)^2 = 0, (3-1)^2 = 4, mean 2, times 1/2 -> 1.
  // fake [1, -1]: 1^2 = 1, (-1)^2 = 1, mean 1, times 1/2 -> 0.5. Total 1.5.
  EXPECT_NEAR(value(lsgan_d_loss(column({1.0, 3.0}), column({1.0, -1.0}))), 1.5, 1e-12);
}

TEST(LsganLosses, GeneratorLossRegressesFakeToOne) {
  // fake [1, -1]: (1-1)^2 = 0, (-1-1)^2 = 4, mean 2, times 1/2 -> 1.
  EXPECT_NEAR(value(lsgan_g_loss(column({1.0, -1.0}))), 1.0, 1e-12);
  // A perfect generator (D(G(z)) = 1 everywhere) has loss 0.
  EXPECT_EQ(value(lsgan_g_loss(column({1.0, 1.0, 1.0}))), 0.0);
}

TEST(WganLosses, CriticGeneratorAndWassersteinEstimate) {
  // real [1, 3] mean 2; fake [2, -1] mean 0.5.
  const auto real = column({1.0, 3.0});
  const auto fake = column({2.0, -1.0});
  EXPECT_NEAR(value(wgan_critic_loss(real, fake)), 0.5 - 2.0, 1e-12);      // E[D(fake)] - E[D(x)]
  EXPECT_NEAR(value(wgan_g_loss(fake)), -0.5, 1e-12);                      // -E[D(fake)]
  EXPECT_NEAR(value(wasserstein_estimate(real, fake)), 2.0 - 0.5, 1e-12);  // E[D(x)] - E[D(fake)]
}

TEST(WganClipping, WeightsFormSelectsWeightMatricesOnlyAndAllFormEveryParameter) {
  // Linear(3, 4) -> BatchNorm1d(4) -> Linear(4, 6) -> LayerNorm over [2, 3] (a 2-D scale, as a
  // conv critic's LayerNorm over [C, H, W] has): "weights" is the two Linear weight matrices
  // [4, 3] and [6, 4]; "all" adds the two Linear biases and both norms' scale and shift: 8.
  torch::nn::Sequential net(torch::nn::Linear(3, 4), torch::nn::BatchNorm1d(4),
                            torch::nn::Linear(4, 6),
                            torch::nn::LayerNorm(torch::nn::LayerNormOptions({2, 3})));
  const auto weights = clipped_parameters(*net, ClipForm::kWeights);
  ASSERT_EQ(weights.size(), 2u);
  EXPECT_EQ(weights[0].sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(weights[1].sizes(), (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(clipped_parameters(*net, ClipForm::kAll).size(), 8u);
  EXPECT_THROW(parse_clip_form("biases"), std::invalid_argument);
}

// A variant config for arch mlp at batch 8, float64 on the CPU, with a small z.
VariantConfig mlp_config(const std::string& variant) {
  VariantConfig c;
  c.variant = variant;
  c.arch = "mlp";
  c.z_dim = 8;
  c.dtype = torch::kFloat64;
  c.seed = 3;
  return c;
}

// The step loop's context for one process that owns its whole batch.
struct LocalContext {
  explicit LocalContext(int64_t z_dim)
      : noise(11, z_dim, BatchSlice{8, 0, 8}, torch::TensorOptions().dtype(torch::kFloat64)) {
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &sync;
  }
  NoiseSource noise;
  LocalReducer reducer;
  GradientSync sync = [](torch::nn::Module&) {};
  StepContext ctx;
};

// Fixed, non-constant "images" in [-1, 1]: [8, 1, 28, 28].
RealBatch real_batch(int64_t shift) {
  auto images = torch::sin(torch::arange(8 * 784, torch::kFloat64) * 0.37 + shift);
  return RealBatch{images.reshape({8, 1, 28, 28}), torch::zeros({8}, torch::kInt64)};
}

// Runs `steps` steps of n_critic critic updates and one generator update.
void run_steps(Variant& v, LocalContext& local, MetricAccumulator& metrics, int64_t steps,
               int64_t n_critic) {
  for (int64_t step = 0; step < steps; ++step) {
    local.ctx.step = step;
    for (int64_t i = 0; i < n_critic; ++i) {
      local.ctx.critic_iter = i;
      v.discriminator_step(real_batch(step * n_critic + i), local.ctx, metrics);
    }
    local.ctx.critic_iter = n_critic;
    v.generator_step(local.ctx, metrics);
  }
}

std::shared_ptr<torch::nn::Module> critic_of(Variant& v) { return v.networks().at(1); }

TEST(WganClipping, WeightsFormClipsEveryWeightAfterAStepAndLeavesBiasesFree) {
  // mlp's default init draws fc1's 512 biases from U(-1/sqrt(784), 1/sqrt(784)) = +-0.0357,
  // so most lie outside [-0.01, 0.01] and one Adam step (lr 2e-4) cannot bring them in.
  auto config = mlp_config("wgan");
  config.clip = "weights";
  auto v = make_variant(config);
  LocalContext local(config.z_dim);
  MetricAccumulator metrics(v->metric_names());
  run_steps(*v, local, metrics, 1, 1);
  const double c = config.clip_value;
  double largest_bias = 0.0;
  for (const auto& item : critic_of(*v)->named_parameters()) {
    const auto& p = item.value();
    if (item.key().find("weight") != std::string::npos) {
      EXPECT_LE(p.abs().max().item<double>(), c) << item.key();
    } else {
      largest_bias = std::max(largest_bias, p.abs().max().item<double>());
    }
  }
  EXPECT_GT(largest_bias, c);  // biases are not weights: left unclipped
  // The recorded range is that of the clipped weights, which reach both bounds.
  const auto means = metrics.take_means();
  EXPECT_DOUBLE_EQ(means[3], -c);  // critic_min
  EXPECT_DOUBLE_EQ(means[4], c);   // critic_max
}

TEST(WganClipping, AllFormClipsEveryCriticParameterAfterEachStep) {
  auto config = mlp_config("wgan");
  config.clip = "all";
  config.clip_value = 0.02;
  auto v = make_variant(config);
  LocalContext local(config.z_dim);
  MetricAccumulator metrics(v->metric_names());
  run_steps(*v, local, metrics, 2, 2);
  for (const auto& item : critic_of(*v)->named_parameters())
    EXPECT_LE(item.value().abs().max().item<double>(), 0.02) << item.key();
}

class AdversarialVariantSteps : public ::testing::TestWithParam<std::string> {};

TEST_P(AdversarialVariantSteps, FiveStepsOnMlpGiveFiniteLossesAndEveryMetric) {
  const auto config = mlp_config(GetParam());
  auto v = make_variant(config);
  const auto& names = v->metric_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "d_loss");
  EXPECT_EQ(names[1], "g_loss");
  LocalContext local(config.z_dim);
  MetricAccumulator metrics(names);
  run_steps(*v, local, metrics, 5, 2);  // batch 8, n_critic 2
  std::vector<bool> sampled;
  const auto means = metrics.take_means(&sampled);
  for (size_t m = 0; m < names.size(); ++m) {
    EXPECT_TRUE(sampled[m]) << names[m] << " never recorded";
    EXPECT_TRUE(std::isfinite(means[m])) << names[m] << " = " << means[m];
  }
  for (const auto& net : v->networks())
    for (const auto& p : net->parameters()) EXPECT_TRUE(torch::isfinite(p).all().item<bool>());
}

INSTANTIATE_TEST_SUITE_P(Variants, AdversarialVariantSteps,
                         ::testing::Values("gan", "lsgan", "wgan", "wgan-gp", "dragan"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& ch : name)
                             if (ch == '-') ch = '_';
                           return name;
                         });

}  // namespace
}  // namespace ganrun::models
