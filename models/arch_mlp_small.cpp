// models/arch_mlp_small.cpp — layers and forward passes of the CS231n MLP pair (see header).
#include "models/arch_mlp_small.h"

#include <torch/nn/functional/activation.h>  // relu, leaky_relu

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
                                     int64_t width)
    : fc1(register_module("fc1", nn::Linear(g_inputs, kGHidden))),
      fc2(register_module("fc2", nn::Linear(kGHidden, kGHidden))),
      fc3(register_module("fc3", nn::Linear(kGHidden, channels * height * width))),
      channels_(channels),
      height_(height),
      width_(width) {}

torch::Tensor MlpSmallGenerator::forward(const torch::Tensor& z) {
  auto h = F::relu(fc1(z));
  h = F::relu(fc2(h));
  return torch::tanh(fc3(h)).view({z.size(0), channels_, height_, width_});
}

MlpSmallCritic::MlpSmallCritic(const NetSpec& spec)
    : fc1(register_module(
          "fc1",
          nn::Linear(spec.channels * spec.height * spec.width + spec.cond_classes, kDHidden))),
      fc2(register_module("fc2", nn::Linear(kDHidden, kDHidden))),
      fc3(register_module("fc3", nn::Linear(kDHidden, spec.critic_outputs))) {}

torch::Tensor MlpSmallCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto in = x.flatten(1);
  if (cond.defined()) in = torch::cat({in, cond.to(in.dtype())}, 1);
  auto h = lrelu(fc1(in));
  h = lrelu(fc2(h));
  return fc3(h);
}

}  // namespace ganrun::models
