// models/arch_dcgan28.h — `dcgan28`: the reference collection's pair (GAN.py, CGAN.py, ACGAN.py,
// infoGAN.py of pytorch-generative-model-collections, the infoGAN paper's MNIST nets), generic
// in image size as the collection's `input_size // 4`: height and width multiples of 4.
//   G: FC 1024-BN-ReLU -> FC 128*(H/4)*(W/4)-BN-ReLU -> deconv 64 (4, s2, p1)-BN-ReLU
//      -> deconv C (4, s2, p1) -> tanh
//   D: conv 64 (4, s2, p1)-LReLU 0.2 -> conv 128 (4, s2, p1)-BN-LReLU -> FC 1024-BN-LReLU -> FC
// D's outputs are raw (the collection's sigmoid is folded into the loss); acgan's and infogan's
// extra heads are more outputs of the last FC (the collection's separate `dc`/`cl` Linears from
// the same 1024 features are the same function as one Linear with their rows stacked).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>

#include "models/nets.h"
#include "models/norm_layers.h"

namespace ganrun::models {

// x [B, C, H, W] with a one-hot condition [B, L] appended as L constant planes: [B, C+L, H, W]
// (the collection's CGAN `y_fill_`). Packed (models/pack_ops.h): x [B, K*C, H, W], cond
// [B, K*L] -> [B, K*(C+L), H, W], each member's planes after its own channels. An undefined
// `cond` returns x unchanged.
torch::Tensor append_label_planes(const torch::Tensor& x, const torch::Tensor& cond,
                                  int64_t members = 1);

// z [B, g_inputs] -> images [B, C, H, W] in (-1, 1). Submodules fc1, bn1, fc2, bn2, deconv1, bn3,
// deconv2 in forward order.
struct Dcgan28Generator : GeneratorNet {
  // batch_norm false drops bn1..bn3 (NetSpec.generator_norm "none"): a generator whose
  // output does not depend on the rest of the batch, as data-parallel equivalence needs.
  Dcgan28Generator(int64_t g_inputs, int64_t channels, int64_t height, int64_t width,
                   bool batch_norm = true, int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;

  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::ConvTranspose2d deconv1{nullptr}, deconv2{nullptr};
  NormSlot bn1, bn2, bn3;

 private:
  int64_t height_, width_, members_;
};

// x [B, C, H, W] (+ one-hot [B, cond_classes] as label planes) -> raw outputs [B, outputs].
// Submodules conv1, conv2, norm2 (BatchNorm2d by default), fc1, norm3 (BatchNorm1d), fc2; the
// norms follow NetSpec.critic_norm.
struct Dcgan28Critic : CriticNet {
  explicit Dcgan28Critic(const NetSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  NormSlot norm2, norm3;

 private:
  int64_t members_;
};

}  // namespace ganrun::models
