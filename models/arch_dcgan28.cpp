// models/arch_dcgan28.cpp — layers and forward passes of the collection's dcgan28 pair.
// Constants are the collection's (GAN.py); initialisation is init_collection (init_net).
#include "models/arch_dcgan28.h"

#include <torch/nn/functional/activation.h>  // relu, leaky_relu

#include "models/pack_ops.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kHidden = 1024;     // G's first FC and D's FC
constexpr int64_t kG2Channels = 128;  // G's FC output, reshaped to 128 x H/4 x W/4
constexpr int64_t kG3Channels = 64;   // G's first deconv
constexpr int64_t kD1Channels = 64;   // D's first conv
constexpr int64_t kD2Channels = 128;  // D's second conv
// Every up/down-sampling layer: kernel 4, stride 2, padding 1 (exactly doubles or halves).
constexpr int64_t kKernel = 4, kStride = 2, kPad = 1;
constexpr double kLeakySlope = 0.2;

// Packed (members K): one group per member, K*in -> K*out channels.
nn::ConvTranspose2d up(int64_t in, int64_t out, int64_t members) {
  return nn::ConvTranspose2d(nn::ConvTranspose2dOptions(members * in, members * out, kKernel)
                                 .stride(kStride)
                                 .padding(kPad)
                                 .groups(members));
}

nn::Conv2d down(int64_t in, int64_t out, int64_t members) {
  return nn::Conv2d(nn::Conv2dOptions(members * in, members * out, kKernel)
                        .stride(kStride)
                        .padding(kPad)
                        .groups(members));
}

torch::Tensor lrelu(const torch::Tensor& x) {
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
}

}  // namespace

torch::Tensor append_label_planes(const torch::Tensor& x, const torch::Tensor& cond,
                                  int64_t members) {
  if (!cond.defined()) return x;
  auto planes = cond.to(x.dtype()).view({cond.size(0), cond.size(1), 1, 1});
  return join_member_features(x, planes.expand({x.size(0), cond.size(1), x.size(2), x.size(3)}),
                              members);
}

Dcgan28Generator::Dcgan28Generator(int64_t g_inputs, int64_t channels, int64_t height,
                                   int64_t width, bool batch_norm, int64_t members)
    : fc1(register_module("fc1", nn::Linear(g_inputs, members * kHidden))),
      fc2(register_module("fc2",
                          nn::Linear(kHidden, members * kG2Channels * (height / 4) * (width / 4)))),
      deconv1(register_module("deconv1", up(kG2Channels, kG3Channels, members))),
      deconv2(register_module("deconv2", up(kG3Channels, channels, members))),
      height_(height),
      width_(width),
      members_(members) {
  const NormKind kind = batch_norm ? NormKind::kBatch : NormKind::kNone;
  bn1 = NormSlot(*this, "bn1", kind, {kHidden}, members);
  bn2 = NormSlot(*this, "bn2", kind, {kG2Channels * (height / 4) * (width / 4)}, members);
  bn3 = NormSlot(*this, "bn3", kind, {kG3Channels, height / 2, width / 2}, members);
}

torch::Tensor Dcgan28Generator::forward(const torch::Tensor& z) {
  auto h = F::relu(bn1(packed_linear(fc1, z, members_)));
  h = F::relu(bn2(packed_linear(fc2, h, members_)))
          .view({z.size(0), members_ * kG2Channels, height_ / 4, width_ / 4});
  h = F::relu(bn3(deconv1(h)));
  return torch::tanh(deconv2(h));
}

Dcgan28Critic::Dcgan28Critic(const NetSpec& spec)
    : conv1(register_module("conv1",
                            down(spec.channels + spec.cond_classes, kD1Channels, spec.members))),
      conv2(register_module("conv2", down(kD1Channels, kD2Channels, spec.members))),
      fc1(register_module("fc1", nn::Linear(kD2Channels * (spec.height / 4) * (spec.width / 4),
                                            spec.members * kHidden))),
      fc2(register_module("fc2", nn::Linear(kHidden, spec.members * spec.critic_outputs))),
      members_(spec.members) {
  // Registered after the layers, so parameters() lists convs and FCs first; names say the order.
  const NormKind norm = resolve_critic_norm(spec.critic_norm, NormKind::kBatch);
  norm2 =
      NormSlot(*this, "norm2", norm, {kD2Channels, spec.height / 4, spec.width / 4}, spec.members);
  norm3 = NormSlot(*this, "norm3", norm, {kHidden}, spec.members);
}

torch::Tensor Dcgan28Critic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = lrelu(conv1(append_label_planes(x, cond, members_)));
  h = lrelu(norm2(conv2(h))).flatten(1);
  h = lrelu(norm3(packed_linear(fc1, h, members_)));
  return packed_linear(fc2, h, members_);
}

}  // namespace ganrun::models
