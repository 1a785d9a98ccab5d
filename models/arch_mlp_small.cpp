// models/arch_mlp_small.cpp — layers and forward passes of the CS231n MLP pair (see header).
#include "models/arch_mlp_small.h"

#include <torch/nn/functional/activation.h>  // relu, leaky_relu

#include "models/pack_ops.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kGHidden = 1024;  // both hidden layers of G
constexpr int64_t kDHidden = 256;   // both hidden layers of D
constexpr double kLeakySlope = 0.01;

torch::Tensor lrelu(const torch::Tensor& x) {
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
}

}  // namespace

MlpSmallGenerator::MlpSmallGenerator(int64_t g_inputs, int64_t channels, int64_t height,
                                     int64_t width, int64_t members)
    : fc1(register_module("fc1", nn::Linear(g_inputs, members * kGHidden))),
      fc2(register_module("fc2", nn::Linear(kGHidden, members * kGHidden))),
      fc3(register_module("fc3", nn::Linear(kGHidden, members * channels * height * width))),
      channels_(channels),
      height_(height),
      width_(width),
      members_(members) {}

torch::Tensor MlpSmallGenerator::forward(const torch::Tensor& z) {
  auto h = F::relu(packed_linear(fc1, z, members_));
  h = F::relu(packed_linear(fc2, h, members_));
  return torch::tanh(packed_linear(fc3, h, members_))
      .view({z.size(0), members_ * channels_, height_, width_});
}

MlpSmallCritic::MlpSmallCritic(const NetSpec& spec)
    : fc1(register_module("fc1",
                          nn::Linear(spec.channels * spec.height * spec.width + spec.cond_classes,
                                     spec.members * kDHidden))),
      fc2(register_module("fc2", nn::Linear(kDHidden, spec.members * kDHidden))),
      fc3(register_module("fc3", nn::Linear(kDHidden, spec.members * spec.critic_outputs))),
      members_(spec.members) {}

torch::Tensor MlpSmallCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto in = x.flatten(1);
  if (cond.defined()) in = join_member_features(in, cond.to(in.dtype()), members_);
  auto h = lrelu(packed_linear(fc1, in, members_));
  h = lrelu(packed_linear(fc2, h, members_));
  return packed_linear(fc3, h, members_);
}

}  // namespace ganrun::models
