// tests/unit/variant_matrix_test.cpp — every variant on every architecture it accepts trains 5
// steps (batch 8, n_critic 2, float32, CPU) with finite metrics, and every pair it rejects is
// refused with a message naming both. Then the collection's quirk settings (critic_output,
// generator_noise, bn_init, ls_scale, penalty_output, info_source): each switches exactly its
// own behaviour, checked against values recomputed here from the same nets.
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>  // torch::autograd::grad
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "models/metric_accumulator.h"
#include "models/nets.h"
#include "models/penalties.h"  // dragan_points
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

// One process, batch 8, float64: the context and data the quirk tests below step with.
struct OneProcess {
  static constexpr int64_t kBatch = 8;
  explicit OneProcess(int64_t z_dim)
      : noise(5, z_dim, BatchSlice{kBatch, 0, kBatch},
              torch::TensorOptions().dtype(torch::kFloat64)) {}
  StepContext context(int64_t step, int64_t critic_iter) const {
    StepContext ctx;
    ctx.step = step;
    ctx.critic_iter = critic_iter;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    return ctx;
  }
  static RealBatch batch(uint64_t seed) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    RealBatch real;
    real.images = at::empty({kBatch, 1, 28, 28}, torch::kFloat64).uniform_(-1, 1, gen);
    real.labels = at::randint(10, {kBatch}, gen, torch::TensorOptions().dtype(torch::kInt64));
    return real;
  }
  NoiseSource noise;
  LocalReducer reducer;
  GradientSync no_sync = [](torch::nn::Module&) {};
};

VariantConfig float64_config(const std::string& variant, const std::string& arch) {
  VariantConfig config;
  config.variant = variant;
  config.arch = arch;
  config.z_dim = 16;
  config.seed = 5;
  config.dtype = torch::kFloat64;
  return config;
}

// Every parameter and buffer of every net, in order.
std::vector<torch::Tensor> state_of(Variant& variant) {
  std::vector<torch::Tensor> state;
  for (const auto& net : variant.networks()) {
    for (const auto& p : net->parameters()) state.push_back(p.detach().clone());
    for (const auto& b : net->buffers()) state.push_back(b.detach().clone());
  }
  return state;
}

bool same_state(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

double recorded(const Variant& variant, MetricAccumulator& metrics, const std::string& name) {
  const auto& names = variant.metric_names();
  const auto at = std::find(names.begin(), names.end(), name) - names.begin();
  return metrics.take_means()[static_cast<size_t>(at)];
}

// `generator_noise: reused` feeds the generator update the inputs (z, and infogan's codes) of the
// step's last critic update, i.e. the draw keyed by critic_iter n_critic - 1: a `fresh` variant
// asked for its generator update with critic_iter = n_critic - 1 lands on exactly the same
// parameters, while the `fresh` update keyed n_critic does not. The critic updates are the same.
TEST(GeneratorNoise, ReusedIsTheLastCriticUpdatesDraw) {
  for (const std::string name : {"gan", "infogan", "ebgan", "wgan-gp"}) {
    const std::string arch = name == "ebgan" ? "ae28" : "mlp";
    auto config = float64_config(name, arch);
    const OneProcess run(config.z_dim);
    constexpr int64_t kCritic = 2;
    std::vector<std::vector<torch::Tensor>> after_critic, after_generator;
    // 0: reused; 1: fresh, generator keyed n_critic - 1; 2: fresh, keyed n_critic (as trained).
    for (int form = 0; form < 3; ++form) {
      config.generator_noise = form == 0 ? "reused" : "fresh";
      auto variant = make_variant(config);
      MetricAccumulator metrics(variant->metric_names());
      for (int64_t i = 0; i < kCritic; ++i)
        variant->discriminator_step(OneProcess::batch(static_cast<uint64_t>(i)), run.context(0, i),
                                    metrics);
      after_critic.push_back(state_of(*variant));
      variant->generator_step(run.context(0, form == 1 ? kCritic - 1 : kCritic), metrics);
      after_generator.push_back(state_of(*variant));
    }
    EXPECT_TRUE(same_state(after_critic[0], after_critic[2])) << name;
    EXPECT_TRUE(same_state(after_generator[0], after_generator[1])) << name;
    EXPECT_FALSE(same_state(after_generator[0], after_generator[2])) << name;
  }
}

// `bn_init: uniform` (PyTorch 0.4's BatchNorm init) draws every BatchNorm weight from U(0, 1)
// and leaves every other parameter and buffer as `ones` does.
TEST(BnInit, UniformRedrawsOnlyTheBatchNormWeights) {
  NetSpec spec;
  spec.arch = "dcgan28";
  spec.g_inputs = 62;
  for (const bool generator : {true, false}) {
    auto make = [&]() -> std::shared_ptr<torch::nn::Module> {
      if (generator) return make_generator(spec);
      return make_critic(spec);
    };
    auto ones = make(), uniform = make();
    init_net(*ones, "dcgan28", 9, generator ? 0 : 1, "ones");
    init_net(*uniform, "dcgan28", 9, generator ? 0 : 1, "uniform");
    const auto a = ones->named_parameters(), b = uniform->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    int64_t gammas = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const auto& key = a[i].key();
      const bool is_gamma =
          key.find("bn") != std::string::npos || key.find("norm") != std::string::npos;
      if (!is_gamma || key.find("weight") == std::string::npos) {
        EXPECT_TRUE(torch::equal(a[i].value(), b[i].value())) << key;
        continue;
      }
      const auto w = b[i].value();
      EXPECT_TRUE(torch::equal(a[i].value(), torch::ones_like(w))) << key;
      EXPECT_GE(w.min().item<double>(), 0.0) << key;
      EXPECT_LT(w.max().item<double>(), 1.0) << key;
      // U(0, 1): mean 1/2, sd 1/sqrt(12) per draw; 4 standard errors.
      EXPECT_NEAR(w.mean().item<double>(), 0.5, 4.0 / std::sqrt(12.0 * w.numel())) << key;
      gammas += w.numel();
    }
    // G: bn1 (1024) + bn2 (128*7*7) + bn3 (64); D: norm2 (128) + norm3 (1024).
    EXPECT_EQ(gammas, generator ? 1024 + 128 * 7 * 7 + 64 : 128 + 1024);
    const auto ones_buffers = ones->named_buffers();
    for (const auto& buffer : uniform->named_buffers())
      EXPECT_TRUE(torch::equal(buffer.value(), ones_buffers[buffer.key()])) << buffer.key();
  }
}

// `ls_scale: one` (LSGAN.py's nn.MSELoss) doubles both least-squares losses: each first update's
// recorded loss, taken before any parameter moved, is twice `half`'s on the same nets and draws.
TEST(LsScale, OneDoublesBothLosses) {
  double d_loss[2], g_loss[2];
  for (int form = 0; form < 2; ++form) {
    auto config = float64_config("lsgan", "mlp");
    config.ls_scale = form == 0 ? "half" : "one";
    const OneProcess run(config.z_dim);
    auto for_g = make_variant(config), for_d = make_variant(config);
    MetricAccumulator g_metrics(for_g->metric_names()), d_metrics(for_d->metric_names());
    for_g->generator_step(run.context(0, 1), g_metrics);
    for_d->discriminator_step(OneProcess::batch(3), run.context(0, 0), d_metrics);
    g_loss[form] = recorded(*for_g, g_metrics, "g_loss");
    d_loss[form] = recorded(*for_d, d_metrics, "d_loss");
  }
  EXPECT_GT(d_loss[0], 0.0);
  EXPECT_NEAR(d_loss[1], 2.0 * d_loss[0], 1e-12 * d_loss[0]);
  EXPECT_NEAR(g_loss[1], 2.0 * g_loss[0], 1e-12 * g_loss[0]);
}

// dragan's recorded penalty = lambda mean_i (||grad_x f(x_hat_i)|| - 1)^2 with f = D's logit
// (`penalty_output: logit`) or its sigmoid (`sigmoid`, DRAGAN.py), recomputed here by autograd
// on the same critic at the same points, before the update.
TEST(PenaltyOutput, SigmoidPenalisesTheProbabilitysGradient) {
  double penalty[2];
  for (int form = 0; form < 2; ++form) {
    auto config = float64_config("dragan", "mlp");
    config.penalty_output = form == 0 ? "logit" : "sigmoid";
    config.gp_lambda = 0.25;
    const OneProcess run(config.z_dim);
    auto variant = make_variant(config);
    auto critic = std::dynamic_pointer_cast<CriticNet>(variant->networks().at(1));
    ASSERT_NE(critic, nullptr);
    const RealBatch real = OneProcess::batch(4);
    const auto x_hat =
        dragan_points(real.images, run.reducer, run.noise, 0, 0).points.detach().requires_grad_();
    auto out = critic->forward(x_hat, {});
    if (form == 1) out = torch::sigmoid(out);
    const auto grad = torch::autograd::grad({out.sum()}, {x_hat})[0];
    const auto norms = grad.flatten(1).norm(2, 1);
    const double expected = 0.25 * (norms - 1.0).square().mean().item<double>();
    MetricAccumulator metrics(variant->metric_names());
    variant->discriminator_step(real, run.context(0, 0), metrics);
    penalty[form] = recorded(*variant, metrics, "gp");
    EXPECT_NEAR(penalty[form], expected, 1e-12) << config.penalty_output;
  }
  EXPECT_GT(std::abs(penalty[0] - penalty[1]), 1e-6);  // the two forms differ on these nets
}

// infogan's d_real = mean sigmoid(D(x)[:, c]) with c = 0 (`info_source: own`) or 1 (`shared`,
// infoGAN.py's column), from the same critic on the same batch before the update.
TEST(InfoSource, SharedReadsTheRealFakeLogitFromColumnOne) {
  for (const std::string form : {"own", "shared"}) {
    auto config = float64_config("infogan", "mlp");
    config.info_source = form;
    const OneProcess run(config.z_dim);
    auto variant = make_variant(config);
    auto critic = std::dynamic_pointer_cast<CriticNet>(variant->networks().at(1));
    ASSERT_NE(critic, nullptr);
    const RealBatch real = OneProcess::batch(6);
    torch::Tensor outputs;
    {
      torch::NoGradGuard no_grad;
      outputs = critic->forward(real.images, {});
    }
    ASSERT_EQ(outputs.size(1), 13);
    const int64_t column = form == "shared" ? 1 : 0;
    MetricAccumulator metrics(variant->metric_names());
    variant->discriminator_step(real, run.context(0, 0), metrics);
    EXPECT_NEAR(recorded(*variant, metrics, "d_real"),
                torch::sigmoid(outputs.select(1, column)).mean().item<double>(), 1e-12)
        << form;
  }
}

// An unknown value of a quirk setting names the setting and the values it takes.
TEST(QuirkSettings, UnknownValuesNameTheSetting) {
  auto expect_refused = [](VariantConfig config, const std::string& key) {
    try {
      make_variant(config);
      ADD_FAILURE() << key << " accepted a wrong value";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(key + " 'x'"), std::string::npos) << e.what();
    }
  };
  using Setting = std::string VariantConfig::*;
  const std::vector<std::tuple<std::string, Setting, std::string>> quirks{
      {"lsgan", &VariantConfig::ls_scale, "ls_scale"},
      {"dragan", &VariantConfig::penalty_output, "penalty_output"},
      {"infogan", &VariantConfig::info_source, "info_source"},
      {"gan", &VariantConfig::generator_noise, "generator_noise"},
      {"gan", &VariantConfig::bn_init, "bn_init"}};
  for (const auto& [variant, setting, key] : quirks) {
    auto config = float64_config(variant, "mlp");
    config.*setting = "x";
    expect_refused(config, key);
  }
}

}  // namespace
}  // namespace ganrun::models
