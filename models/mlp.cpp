// models/mlp.cpp — layers and forward passes of the seed MLP generator and discriminator.
// Hyper-parameters are the widely copied PyTorch-GAN MLP's; initialisation is LibTorch's default
// (Kaiming-uniform weights, uniform biases for Linear; BatchNorm weight 1, bias 0).
#include "models/mlp.h"

#include <torch/nn/functional/activation.h>  // leaky_relu

#include "models/pack_ops.h"

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

MlpGenerator::MlpGenerator(int64_t z_dim, int64_t channels, int64_t height, int64_t width,
                           int64_t members)
    : fc1(register_module("fc1", torch::nn::Linear(z_dim, members * kG1))),
      fc2(register_module("fc2", torch::nn::Linear(kG1, members * kG2))),
      fc3(register_module("fc3", torch::nn::Linear(kG2, members * kG3))),
      fc4(register_module("fc4", torch::nn::Linear(kG3, members * kG4))),
      fc5(register_module("fc5", torch::nn::Linear(kG4, members * channels * height * width))),
      bn2(register_module("bn2", bn(members * kG2))),
      bn3(register_module("bn3", bn(members * kG3))),
      bn4(register_module("bn4", bn(members * kG4))),
      channels_(channels),
      height_(height),
      width_(width),
      members_(members) {}

torch::Tensor MlpGenerator::forward(const torch::Tensor& z) {
  const int64_t k = members_;
  // The reference has no BatchNorm after the first layer.
  torch::Tensor h = lrelu(packed_linear(fc1, z, k));
  h = lrelu(bn2(packed_linear(fc2, h, k)));
  h = lrelu(bn3(packed_linear(fc3, h, k)));
  h = lrelu(bn4(packed_linear(fc4, h, k)));
  return torch::tanh(packed_linear(fc5, h, k)).view({z.size(0), k * channels_, height_, width_});
}

MlpDiscriminator::MlpDiscriminator(int64_t in_features, int64_t cond_classes, int64_t outputs,
                                   int64_t members)
    : fc1(register_module("fc1", torch::nn::Linear(in_features + cond_classes, members * kD1))),
      fc2(register_module("fc2", torch::nn::Linear(kD1, members * kD2))),
      fc3(register_module("fc3", torch::nn::Linear(kD2, members * outputs))),
      members_(members) {}

torch::Tensor MlpDiscriminator::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  torch::Tensor in = x.flatten(1);  // images [B, C, H, W] or already flat [B, D]
  if (cond.defined()) in = join_member_features(in, cond.to(in.dtype()), members_);
  torch::Tensor h = lrelu(packed_linear(fc1, in, members_));
  h = lrelu(packed_linear(fc2, h, members_));
  return packed_linear(fc3, h, members_);
}

}  // namespace ganrun::models
