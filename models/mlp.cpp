// models/mlp.cpp — layers and forward passes of the seed MLP generator and discriminator.
// Hyper-parameters are the widely copied PyTorch-GAN MLP's; initialisation is LibTorch's default
// (Kaiming-uniform weights, uniform biases for Linear; BatchNorm weight 1, bias 0).
#include "models/mlp.h"

#include <torch/nn/functional/activation.h>  // leaky_relu

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

// Generator widths: z -> 128 -> 256 -> 512 -> 1024 -> out.
constexpr int64_t kG1 = 128;
constexpr int64_t kG2 = 256;
constexpr int64_t kG3 = 512;
constexpr int64_t kG4 = 1024;
// Discriminator widths: in -> 512 -> 256 -> 1.
constexpr int64_t kD1 = 512;
constexpr int64_t kD2 = 256;
// Negative slope of every LeakyReLU in both networks.
constexpr double kLeakySlope = 0.2;
// BatchNorm1d(n, 0.8) in the reference passes 0.8 as eps (the 2nd positional argument), not as
// momentum. With eps 0.8 small variances barely rescale (BN mostly centres); kept to match results.
constexpr double kBnEps = 0.8;

torch::Tensor lrelu(const torch::Tensor& x) {
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
}

torch::nn::BatchNorm1d bn(int64_t features) {
  return torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(features).eps(kBnEps));
}

}  // namespace

MlpGenerator::MlpGenerator(int64_t z_dim, int64_t channels, int64_t height, int64_t width)
    : fc1(register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(z_dim, kG1)))),
      fc2(register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(kG1, kG2)))),
      fc3(register_module("fc3", torch::nn::Linear(torch::nn::LinearOptions(kG2, kG3)))),
      fc4(register_module("fc4", torch::nn::Linear(torch::nn::LinearOptions(kG3, kG4)))),
      fc5(register_module(
          "fc5", torch::nn::Linear(torch::nn::LinearOptions(kG4, channels * height * width)))),
      bn2(register_module("bn2", bn(kG2))),
      bn3(register_module("bn3", bn(kG3))),
      bn4(register_module("bn4", bn(kG4))),
      channels_(channels),
      height_(height),
      width_(width) {}

torch::Tensor MlpGenerator::forward(const torch::Tensor& z) {
  torch::Tensor h = lrelu(fc1(z));  // the reference has no BatchNorm after the first layer
  h = lrelu(bn2(fc2(h)));
  h = lrelu(bn3(fc3(h)));
  h = lrelu(bn4(fc4(h)));
  return torch::tanh(fc5(h)).view({z.size(0), channels_, height_, width_});
}

MlpDiscriminator::MlpDiscriminator(int64_t in_features, int64_t cond_classes, int64_t outputs)
    : fc1(register_module(
          "fc1", torch::nn::Linear(torch::nn::LinearOptions(in_features + cond_classes, kD1)))),
      fc2(register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(kD1, kD2)))),
      fc3(register_module("fc3", torch::nn::Linear(torch::nn::LinearOptions(kD2, outputs)))) {}

torch::Tensor MlpDiscriminator::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  torch::Tensor in = x.flatten(1);  // images [B, C, H, W] or already flat [B, D]
  if (cond.defined()) in = torch::cat({in, cond.to(in.dtype())}, 1);
  torch::Tensor h = lrelu(fc1(in));
  h = lrelu(fc2(h));
  return fc3(h);
}

}  // namespace ganrun::models
