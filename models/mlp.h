// models/mlp.h — the seed MLP pair: a 5-layer fully connected generator (z -> 784, tanh) and a
// 3-layer discriminator (784 -> 1 logit). Flat vectors only: the caller reshapes to images.
// Default LibTorch initialisation (no custom init), like the reference code these reproduce.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>  // TORCH_MODULE

#include <cstdint>

namespace ganrun::models {

// z [B, z_dim] -> x [B, out_features] in (-1, 1). Submodules fc1..fc5 and bn2..bn4 (bnK follows
// fcK), so parameters and buffers read "fc1.weight", "bn2.running_mean", ...
struct MlpGeneratorImpl : torch::nn::Module {
  explicit MlpGeneratorImpl(int64_t z_dim = 100, int64_t out_features = 784);
  torch::Tensor forward(torch::Tensor z);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr}, fc4{nullptr}, fc5{nullptr};
  torch::nn::BatchNorm1d bn2{nullptr}, bn3{nullptr}, bn4{nullptr};
};
TORCH_MODULE(MlpGenerator);

// x [B, C, H, W] or [B, in_features] -> logits [B, 1]. No sigmoid: the loss uses
// BCE-with-logits (or the raw critic value). Submodules fc1..fc3.
struct MlpDiscriminatorImpl : torch::nn::Module {
  explicit MlpDiscriminatorImpl(int64_t in_features = 784);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
};
TORCH_MODULE(MlpDiscriminator);

}  // namespace ganrun::models
