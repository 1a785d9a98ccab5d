// models/arch_dcgan28.cpp — layers and forward passes of the collection's dcgan28 pair.
// Constants are the collection's (GAN.py); initialisation is init_collection (init_net).
#include "models/arch_dcgan28.h"

#include <torch/nn/functional/activation.h>  // relu, leaky_relu

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

nn::ConvTranspose2d up(int64_t in, int64_t out) {
  return nn::ConvTranspose2d(
      nn::ConvTranspose2dOptions(in, out, kKernel).stride(kStride).padding(kPad));
}

nn::Conv2d down(int64_t in, int64_t out) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kKernel).stride(kStride).padding(kPad));
}

torch::Tensor lrelu(const torch::Tensor& x) {
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
}

}  // namespace

torch::Tensor append_label_planes(const torch::Tensor& x, const torch::Tensor& cond) {
  if (!cond.defined()) return x;
  auto planes = cond.to(x.dtype()).view({cond.size(0), cond.size(1), 1, 1});
  return torch::cat({x, planes.expand({x.size(0), cond.size(1), x.size(2), x.size(3)})}, 1);
}

Dcgan28Generator::Dcgan28Generator(int64_t g_inputs, int64_t channels, int64_t height,
                                   int64_t width, bool batch_norm)
    : fc1(register_module("fc1", nn::Linear(g_inputs, kHidden))),
      fc2(register_module("fc2", nn::Linear(kHidden, kG2Channels * (height / 4) * (width / 4)))),
      deconv1(register_module("deconv1", up(kG2Channels, kG3Channels))),
      deconv2(register_module("deconv2", up(kG3Channels, channels))),
      height_(height),
      width_(width) {
  const NormKind kind = batch_norm ? NormKind::kBatch : NormKind::kNone;
  bn1 = NormSlot(*this, "bn1", kind, {kHidden});
  bn2 = NormSlot(*this, "bn2", kind, {kG2Channels * (height / 4) * (width / 4)});
  bn3 = NormSlot(*this, "bn3", kind, {kG3Channels, height / 2, width / 2});
}

torch::Tensor Dcgan28Generator::forward(const torch::Tensor& z) {
  auto h = F::relu(bn1(fc1(z)));
  h = F::relu(bn2(fc2(h))).view({z.size(0), kG2Channels, height_ / 4, width_ / 4});
  h = F::relu(bn3(deconv1(h)));
  return torch::tanh(deconv2(h));
}

Dcgan28Critic::Dcgan28Critic(const NetSpec& spec)
    : conv1(register_module("conv1", down(spec.channels + spec.cond_classes, kD1Channels))),
      conv2(register_module("conv2", down(kD1Channels, kD2Channels))),
      fc1(register_module("fc1",
                          nn::Linear(kD2Channels * (spec.height / 4) * (spec.width / 4), kHidden))),
      fc2(register_module("fc2", nn::Linear(kHidden, spec.critic_outputs))) {
  // Registered after the layers, so parameters() lists convs and FCs first; names say the order.
  const NormKind norm = resolve_critic_norm(spec.critic_norm, NormKind::kBatch);
  norm2 = NormSlot(*this, "norm2", norm, {kD2Channels, spec.height / 4, spec.width / 4});
  norm3 = NormSlot(*this, "norm3", norm, {kHidden});
}

torch::Tensor Dcgan28Critic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = lrelu(conv1(append_label_planes(x, cond)));
  h = lrelu(norm2(conv2(h))).flatten(1);
  h = lrelu(norm3(fc1(h)));
  return fc2(h);
}

}  // namespace ganrun::models
