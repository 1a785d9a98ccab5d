// models/arch_dcgan32.cpp — the all-convolutional DCGAN stacks and the layer lists of dcgan32 and
// dcgan28-allconv (see header).
#include "models/arch_dcgan32.h"

#include <torch/nn/functional/activation.h>  // relu, leaky_relu

#include <string>

#include "models/arch_dcgan28.h"  // append_label_planes

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr double kLeakySlope = 0.2;
// dcgan28-allconv's widths, fixed by the architecture (G's widest first, D's widest last).
constexpr int64_t kAllconvWide = 512, kAllconvMid = 256, kAllconvNarrow = 128;

// Spatial size after a convolution (the same formula read backwards gives a deconvolution's).
int64_t conv_out(int64_t in, const ConvLayerSpec& l) {
  return (in + 2 * l.padding - l.kernel) / l.stride + 1;
}

}  // namespace

std::vector<ConvLayerSpec> dcgan32_generator_layers(int64_t w, int64_t channels) {
  return {{4 * w, 4, 1, 0}, {2 * w, 4, 2, 1}, {w, 4, 2, 1}, {channels, 4, 2, 1}};
}

std::vector<ConvLayerSpec> dcgan28_allconv_generator_layers(int64_t channels) {
  // 1 -> 4 (k4, s1) -> 7 ((4-1)*2 - 2 + 3) -> 14 -> 28.
  return {{kAllconvWide, 4, 1, 0},
          {kAllconvMid, 3, 2, 1},
          {kAllconvNarrow, 4, 2, 1},
          {channels, 4, 2, 1}};
}

std::vector<ConvLayerSpec> dcgan32_critic_layers(int64_t w, int64_t outputs) {
  return {{w, 4, 2, 1}, {2 * w, 4, 2, 1}, {4 * w, 4, 2, 1}, {outputs, 4, 1, 0}};
}

std::vector<ConvLayerSpec> dcgan28_allconv_critic_layers(int64_t outputs) {
  // 28 -> 14 -> 7 -> 4 ((7 + 2 - 3)/2 + 1) -> 1.
  return {{kAllconvNarrow, 4, 2, 1},
          {kAllconvMid, 4, 2, 1},
          {kAllconvWide, 3, 2, 1},
          {outputs, 4, 1, 0}};
}

// Packed (members K): every layer one group per member, K*in -> K*out channels; z [B, K*g]
// is K member blocks of a 1x1 map.
ConvStackGenerator::ConvStackGenerator(int64_t g_inputs, const std::vector<ConvLayerSpec>& layers,
                                       int64_t members) {
  const int64_t k = members;
  int64_t in = g_inputs;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    deconvs.push_back(register_module(
        "deconv" + std::to_string(i + 1),
        nn::ConvTranspose2d(nn::ConvTranspose2dOptions(k * in, k * l.channels, l.kernel)
                                .stride(l.stride)
                                .padding(l.padding)
                                .groups(k))));
    if (i + 1 < layers.size())
      bns.push_back(register_module("bn" + std::to_string(i + 1), nn::BatchNorm2d(k * l.channels)));
    in = l.channels;
  }
}

torch::Tensor ConvStackGenerator::forward(const torch::Tensor& z) {
  auto h = z.view({z.size(0), z.size(1), 1, 1});
  for (size_t i = 0; i < bns.size(); ++i) h = F::relu(bns[i](deconvs[i](h)));
  return torch::tanh(deconvs.back()(h));
}

ConvStackCritic::ConvStackCritic(const NetSpec& spec, const std::vector<ConvLayerSpec>& layers)
    : members_(spec.members) {
  const NormKind norm = resolve_critic_norm(spec.critic_norm, NormKind::kBatch);
  const int64_t k = spec.members;
  int64_t in = spec.channels + spec.cond_classes, height = spec.height, width = spec.width;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    convs.push_back(register_module("conv" + std::to_string(i + 1),
                                    nn::Conv2d(nn::Conv2dOptions(k * in, k * l.channels, l.kernel)
                                                   .stride(l.stride)
                                                   .padding(l.padding)
                                                   .groups(k))));
    height = conv_out(height, l);
    width = conv_out(width, l);
    const bool has_slot = i > 0 && i + 1 < layers.size();
    norms.push_back(has_slot ? NormSlot(*this, "norm" + std::to_string(i + 1), norm,
                                        {l.channels, height, width}, k)
                             : NormSlot());
    in = l.channels;
  }
}

torch::Tensor ConvStackCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = append_label_planes(x, cond, members_);
  for (size_t i = 0; i + 1 < convs.size(); ++i) {
    h = F::leaky_relu(norms[i](convs[i](h)), F::LeakyReLUFuncOptions().negative_slope(kLeakySlope));
  }
  return convs.back()(h).flatten(1);  // [B, outputs, 1, 1] -> [B, outputs]
}

}  // namespace ganrun::models
