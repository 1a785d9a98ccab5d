// models/arch_autoencoder.cpp — layers and forward pass of the collection's auto-encoder
// discriminator in its EBGAN and BEGAN forms (see header).
#include "models/arch_autoencoder.h"

#include <torch/nn/functional/activation.h>  // relu

#include <stdexcept>

#include "models/pack_ops.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kChannels = 64;  // the encoder conv's and the decoder FC's channels
constexpr int64_t kCodeDim = 32;   // the code (EBGAN's pull-away term works on it)
constexpr int64_t kKernel = 4, kStride = 2, kPad = 1;

bool is_ebgan_form(const std::string& form) {
  if (form == "ebgan") return true;
  if (form == "began") return false;
  throw std::invalid_argument("ae_form '" + form + "' is not one of ebgan, began");
}

}  // namespace

CollectionAutoEncoder::CollectionAutoEncoder(const NetSpec& spec)
    : conv(register_module("conv", nn::Conv2d(nn::Conv2dOptions(spec.members * spec.channels,
                                                                spec.members * kChannels, kKernel)
                                                  .stride(kStride)
                                                  .padding(kPad)
                                                  .groups(spec.members)))),
      code(register_module("code", nn::Linear(kChannels * (spec.height / 2) * (spec.width / 2),
                                              spec.members * kCodeDim))),
      fc(register_module("fc", nn::Linear(kCodeDim, spec.members * kChannels * (spec.height / 2) *
                                                        (spec.width / 2)))),
      relu_after_fc_(is_ebgan_form(spec.ae_form)),
      half_height_(spec.height / 2),
      half_width_(spec.width / 2),
      members_(spec.members) {
  // The EBGAN form's norm slot after the decoder FC: BatchNorm1d over its 64*(H/2)*(W/2)
  // features unless critic_norm says otherwise. The BEGAN form has none.
  if (relu_after_fc_)
    norm = NormSlot(*this, "norm", resolve_critic_norm(spec.critic_norm, NormKind::kBatch),
                    {kChannels * half_height_ * half_width_}, members_);
  deconv = register_module(
      "deconv", nn::ConvTranspose2d(nn::ConvTranspose2dOptions(members_ * kChannels,
                                                               members_ * spec.channels, kKernel)
                                        .stride(kStride)
                                        .padding(kPad)
                                        .groups(members_)));
}

std::pair<torch::Tensor, torch::Tensor> CollectionAutoEncoder::forward(const torch::Tensor& x) {
  auto h = F::relu(conv(x)).flatten(1);
  auto c = packed_linear(code, h, members_);
  h = norm(packed_linear(fc, c, members_));
  if (relu_after_fc_) h = F::relu(h);
  h = h.view({x.size(0), members_ * kChannels, half_height_, half_width_});
  return {deconv(h), c};
}

}  // namespace ganrun::models
