// models/arch_mlp_small.h — `mlp-small`: the CS231n GAN assignment's fully connected pair.
//   G: g_inputs -> 1024 ReLU -> 1024 ReLU -> C*H*W tanh (reshaped to the image)
//   D: C*H*W (+ one-hot) -> 256 LReLU 0.01 -> 256 LReLU 0.01 -> outputs
// No normalisation, so no norm slot: NetSpec.critic_norm leaves it unchanged.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>

#include "models/nets.h"

namespace ganrun::models {

// z [B, g_inputs] -> images [B, C, H, W] in (-1, 1). Submodules fc1..fc3.
struct MlpSmallGenerator : GeneratorNet {
  MlpSmallGenerator(int64_t g_inputs, int64_t channels, int64_t height, int64_t width,
                    int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

 private:
  int64_t channels_, height_, width_, members_;
};

// x [B, C, H, W] or [B, C*H*W] (+ one-hot concatenated) -> raw outputs [B, outputs].
// Submodules fc1..fc3.
struct MlpSmallCritic : CriticNet {
  explicit MlpSmallCritic(const NetSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;

  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

 private:
  int64_t members_;
};

}  // namespace ganrun::models
