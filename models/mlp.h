// models/mlp.h — the seed MLP pair: a 5-layer fully connected generator (z -> 784, tanh) and a
// 3-layer discriminator (784 -> 1 logit). Flat vectors only: the caller reshapes to images.
// Default LibTorch initialisation (no custom init), like the reference code these reproduce.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>

#include "models/nets.h"

namespace ganrun::models {

// z [B, z_dim] -> x [B, out_features] in (-1, 1). Submodules fc1..fc5 and bn2..bn4 (bnK follows
// fcK), so parameters and buffers read "fc1.weight", "bn2.running_mean", ...
// `channels x height x width` gives the output image shape (flat width c*h*w).
struct MlpGenerator : GeneratorNet {
  MlpGenerator(int64_t z_dim, int64_t channels, int64_t height, int64_t width, int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;  // [B, C, H, W]

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr}, fc4{nullptr}, fc5{nullptr};
  torch::nn::BatchNorm1d bn2{nullptr}, bn3{nullptr}, bn4{nullptr};

 private:
  int64_t channels_, height_, width_, members_;
};

// x [B, C, H, W] or [B, in_features] (+ one-hot condition [B, cond] concatenated) -> raw
// outputs [B, outputs]. No sigmoid: the loss uses BCE-with-logits (or the raw critic value).
// Submodules fc1..fc3.
struct MlpDiscriminator : CriticNet {
  MlpDiscriminator(int64_t in_features, int64_t cond_classes = 0, int64_t outputs = 1,
                   int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

 private:
  int64_t members_;
};

}  // namespace ganrun::models
