// models/arch_dcgan32.h — the all-convolutional DCGAN pair (Radford et al.): a stack of strided
// transposed convolutions for G and its mirror of strided convolutions for D. Two architectures
// share it and differ only in their layer lists:
//   `dcgan32` (32x32, base width w = NetSpec.base_width, default 64):
//     G: z -> 4x4x4w (deconv 4, s1) -> 8x8x2w -> 16x16xw -> 32x32xC (deconv 4, s2, p1)
//     D: C -> w (4, s2, p1) -> 2w -> 4w (4, s2, p1) -> outputs (conv 4, s1 over the 4x4 map)
//   `dcgan28-allconv` (28x28):
//     G: z -> 4x4x512 (deconv 4, s1) -> 7x7x256 (3, s2, p1) -> 14x14x128 (4, s2, p1) -> 28x28xC
//     D: C -> 128 (4, s2, p1) -> 256 (4, s2, p1) -> 512 (3, s2, p1) -> outputs (conv 4, s1)
// G: BatchNorm + ReLU between layers, tanh at the end. D: LeakyReLU 0.2 after every layer but
// the last, a norm slot (BatchNorm by default) after every layer but the first and the last;
// the last conv sees the whole 4x4 map, so it is D's one linear output layer. Every layer has
// a bias (LibTorch's default), so removing the critic's norm leaves a complete affine layer.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <cstdint>
#include <vector>

#include "models/nets.h"
#include "models/norm_layers.h"

namespace ganrun::models {

// One (transposed) convolution: output channels, kernel, stride, padding.
struct ConvLayerSpec {
  int64_t channels, kernel, stride, padding;
};

// G's layers from z (treated as a 1x1 map) to the image; the last has C channels.
std::vector<ConvLayerSpec> dcgan32_generator_layers(int64_t base_width, int64_t channels);
std::vector<ConvLayerSpec> dcgan28_allconv_generator_layers(int64_t channels);
// D's layers from the image to the 1x1 output; the last has `outputs` channels.
std::vector<ConvLayerSpec> dcgan32_critic_layers(int64_t base_width, int64_t outputs);
std::vector<ConvLayerSpec> dcgan28_allconv_critic_layers(int64_t outputs);

// z [B, g_inputs] -> images [B, C, H, W] in (-1, 1). Submodules deconv1..deconvN, bn1..bn(N-1).
struct ConvStackGenerator : GeneratorNet {
  ConvStackGenerator(int64_t g_inputs, const std::vector<ConvLayerSpec>& layers,
                     int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;

  std::vector<torch::nn::ConvTranspose2d> deconvs;
  std::vector<torch::nn::BatchNorm2d> bns;
};

// x [B, C, H, W] (+ one-hot [B, cond_classes] as label planes) -> raw outputs [B, outputs].
// Submodules conv1..convN and norm2..norm(N-1) (per NetSpec.critic_norm).
struct ConvStackCritic : CriticNet {
  ConvStackCritic(const NetSpec& spec, const std::vector<ConvLayerSpec>& layers);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;

  std::vector<torch::nn::Conv2d> convs;
  std::vector<NormSlot> norms;  // norms[i] follows convs[i]; norms[0] and the last are empty

 private:
  int64_t members_;
};

}  // namespace ganrun::models
