// models/arch_autoencoder.h — `ae28`, `ae32`: the reference collection's auto-encoder
// discriminators (EBGAN.py, BEGAN.py), generic in size as the collection's `input_size // 2`:
//   conv 64 (4, s2, p1)-ReLU -> FC to a 32-unit code -> FC back to 64*(H/2)*(W/2)
//   -> [EBGAN form: BatchNorm + ReLU] -> deconv C (4, s2, p1), no output activation.
// The BEGAN form has nothing between the two FCs and the deconv (BEGAN.py's `fc` is two
// Linears back to back); its code is the first Linear's output, as EBGAN's is. The code has
// no norm or activation in either form (EBGAN.py: the pull-away term uses it raw).
// Norm slot: the EBGAN form's BatchNorm (NetSpec.critic_norm: none removes it, layer makes it a
// LayerNorm over the FC's features). The BEGAN form has no norm, so no slot: critic_norm leaves
// it unchanged.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <utility>

#include "models/nets.h"
#include "models/norm_layers.h"

namespace ganrun::models {

// x [B, C, H, W] -> {reconstruction [B, C, H, W], code [B, 32]}. Submodules conv, code, fc,
// norm (the EBGAN form's BatchNorm1d, per NetSpec.critic_norm; absent when none), deconv.
struct CollectionAutoEncoder : AutoEncoderNet {
  explicit CollectionAutoEncoder(const NetSpec& spec);
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x) override;

  torch::nn::Conv2d conv{nullptr};
  torch::nn::Linear code{nullptr}, fc{nullptr};
  NormSlot norm;
  torch::nn::ConvTranspose2d deconv{nullptr};

 private:
  bool relu_after_fc_;  // the EBGAN form
  int64_t half_height_, half_width_, members_;
};

}  // namespace ganrun::models
