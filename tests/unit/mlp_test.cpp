// tests/unit/mlp_test.cpp — the seed MLP generator/discriminator: parameter counts worked out by
// hand, output shapes and ranges in float32 and float64, readable parameter and buffer names.
#include "models/mlp.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ganrun::models {
namespace {

int64_t count_parameters(const torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

bool has_name(const std::vector<std::string>& names, const std::string& n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

// Inputs from a fixed generator, never the global one.
torch::Tensor fixed_randn(std::vector<int64_t> sizes, uint64_t seed, torch::Dtype dtype) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(sizes, gen, torch::TensorOptions().dtype(torch::kFloat64)).to(dtype);
}

// Generator: Linear(100,128) + Linear(128,256) + BN(256) + Linear(256,512) + BN(512)
//          + Linear(512,1024) + BN(1024) + Linear(1024,784), each BN with weight and bias:
//   (100*128+128)   =  12,928
//   (128*256+256)   =  33,024   + 2*256  =    512
//   (256*512+512)   = 131,584   + 2*512  =  1,024
//   (512*1024+1024) = 525,312   + 2*1024 =  2,048
//   (1024*784+784)  = 803,600
//   total = 12,928 + 33,024 + 512 + 131,584 + 1,024 + 525,312 + 2,048 + 803,600 = 1,510,032
constexpr int64_t kGeneratorParams = 1510032;
// Discriminator: (784*512+512) + (512*256+256) + (256*1+1) = 401,920 + 131,328 + 257 = 533,505
constexpr int64_t kDiscriminatorParams = 533505;

TEST(MlpGenerator, HasHandCountedParameters) {
  auto g = std::make_shared<MlpGenerator>(100, 1, 28, 28);
  EXPECT_EQ(count_parameters(*g), kGeneratorParams);
  g->to(torch::kFloat64);
  EXPECT_EQ(count_parameters(*g), kGeneratorParams);
}

TEST(MlpDiscriminator, HasHandCountedParameters) {
  auto d = std::make_shared<MlpDiscriminator>(784);
  EXPECT_EQ(count_parameters(*d), kDiscriminatorParams);
  d->to(torch::kFloat64);
  EXPECT_EQ(count_parameters(*d), kDiscriminatorParams);
}

TEST(MlpGenerator, NamesParametersAndBuffersReadably) {
  auto g = std::make_shared<MlpGenerator>(100, 1, 28, 28);
  std::vector<std::string> params, buffers;
  for (const auto& item : g->named_parameters()) params.push_back(item.key());
  for (const auto& item : g->named_buffers()) buffers.push_back(item.key());
  for (const char* n : {"fc1.weight", "fc1.bias", "fc5.weight", "fc5.bias", "bn2.weight",
                        "bn2.bias", "bn4.weight"}) {
    EXPECT_TRUE(has_name(params, n)) << n;
  }
  for (const char* n :
       {"bn2.running_mean", "bn2.running_var", "bn3.num_batches_tracked", "bn4.running_var"}) {
    EXPECT_TRUE(has_name(buffers, n)) << n;
  }
  EXPECT_EQ(params.size(), 5u * 2 + 3u * 2);  // 5 Linear + 3 BatchNorm, weight and bias each
  EXPECT_EQ(buffers.size(), 3u * 3);          // running_mean, running_var, num_batches_tracked
}

TEST(MlpGenerator, BatchNormUsesEpsPointEight) {
  auto g = std::make_shared<MlpGenerator>(100, 1, 28, 28);
  EXPECT_DOUBLE_EQ(g->bn2->options.eps(), 0.8);
  EXPECT_DOUBLE_EQ(g->bn3->options.eps(), 0.8);
  EXPECT_DOUBLE_EQ(g->bn4->options.eps(), 0.8);
  EXPECT_DOUBLE_EQ(g->bn2->options.momentum().value(), 0.1);  // LibTorch's default, untouched
}

TEST(MlpDiscriminator, NamesParametersReadably) {
  auto d = std::make_shared<MlpDiscriminator>(784);
  std::vector<std::string> params;
  for (const auto& item : d->named_parameters()) params.push_back(item.key());
  EXPECT_EQ(params, (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
                                              "fc3.weight", "fc3.bias"}));
  EXPECT_TRUE(d->named_buffers().is_empty());
}

class MlpDtype : public testing::TestWithParam<torch::Dtype> {};

TEST_P(MlpDtype, GeneratorOutputsFlatTanhRange) {
  const torch::Dtype dtype = GetParam();
  auto g = std::make_shared<MlpGenerator>(100, 1, 28, 28);
  g->to(dtype);
  for (bool train : {true, false}) {
    g->train(train);
    const torch::Tensor x = g->forward(fixed_randn({8, 100}, 1, dtype));
    EXPECT_EQ(x.sizes(), (std::vector<int64_t>{8, 1, 28, 28}));
    EXPECT_EQ(x.scalar_type(), dtype);
    EXPECT_LE(x.abs().max().item<double>(), 1.0);  // tanh output
    EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
  }
}

TEST_P(MlpDtype, DiscriminatorFlattensImagesToOneLogit) {
  const torch::Dtype dtype = GetParam();
  auto d = std::make_shared<MlpDiscriminator>(784);
  d->to(dtype);
  const torch::Tensor images = fixed_randn({5, 1, 28, 28}, 2, dtype);
  const torch::Tensor from_images = d->forward(images, {});
  const torch::Tensor from_flat = d->forward(images.reshape({5, 784}), {});
  EXPECT_EQ(from_images.sizes(), (std::vector<int64_t>{5, 1}));
  EXPECT_EQ(from_images.scalar_type(), dtype);
  EXPECT_TRUE(torch::equal(from_images, from_flat));
}

TEST_P(MlpDtype, GeneratorFeedsDiscriminatorAfterReshape) {
  const torch::Dtype dtype = GetParam();
  auto g = std::make_shared<MlpGenerator>(100, 1, 28, 28);
  auto d = std::make_shared<MlpDiscriminator>(784);
  g->to(dtype);
  d->to(dtype);
  const torch::Tensor fake = g->forward(fixed_randn({4, 100}, 3, dtype)).view({4, 1, 28, 28});
  EXPECT_EQ(d->forward(fake, {}).sizes(), (std::vector<int64_t>{4, 1}));
}

INSTANTIATE_TEST_SUITE_P(Mlp, MlpDtype, testing::Values(torch::kFloat32, torch::kFloat64),
                         [](const testing::TestParamInfo<torch::Dtype>& info) {
                           return std::string(info.param == torch::kFloat32 ? "Float32"
                                                                            : "Float64");
                         });

TEST(MlpGenerator, CustomSizes) {
  auto g = std::make_shared<MlpGenerator>(/*z_dim=*/16, 2, 1, 1);  // e.g. toy 2-D data
  g->eval();
  EXPECT_EQ(g->forward(torch::zeros({3, 16})).sizes(), (std::vector<int64_t>{3, 2, 1, 1}));
  auto d = std::make_shared<MlpDiscriminator>(/*in_features=*/2);
  EXPECT_EQ(d->forward(torch::zeros({3, 2}), {}).sizes(), (std::vector<int64_t>{3, 1}));
}

}  // namespace
}  // namespace ganrun::models
