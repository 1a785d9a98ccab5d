// models/arch_mlp_deep.cpp — layers and forward passes of the deep MLP pair, and its critic's
// seeded dropout (see header).
#include "models/arch_mlp_deep.h"

#include <ATen/Context.h>                    // at::globalContext().getAcceleratorHooksInterface
#include <torch/nn/functional/activation.h>  // relu, leaky_relu

#include <string>

#include "models/run_random.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

const std::vector<int64_t> kGHidden{128, 256, 512, 1024, 2048, 4096};
const std::vector<int64_t> kDHidden{4096, 2048, 1024, 512, 256};
constexpr double kGLeakySlope = 0.2;
// BatchNorm1d(n, 0.8) in the source passes 0.8 as eps (its 2nd positional argument).
constexpr double kBnEps = 0.8;
constexpr double kDropKeep = 0.5;  // keep probability 1 - p of Dropout(p = 0.5)
// D layers (1-based) followed by ReLU, and by Dropout after the ReLU.
constexpr size_t kLastReluLayer = 4;
constexpr size_t kFirstDropoutLayer = 2;

// The mask generator for `device`, seeded by the key: the keyed CPU generator on the CPU, a fresh
// generator of the device's own kind elsewhere (so masks are drawn where the activations live).
torch::Generator mask_generator(uint64_t seed, const torch::Device& device) {
  if (device.is_cpu()) return keyed_generator(seed, 0, Purpose::kDropout);
  auto gen = at::globalContext()
                 .getAcceleratorHooksInterface(device.type())
                 .getNewGenerator(device.index());
  gen.set_current_seed(mix_key(seed, 0, Purpose::kDropout));
  return gen;
}

}  // namespace

MlpDeepGenerator::MlpDeepGenerator(int64_t g_inputs, int64_t channels, int64_t height,
                                   int64_t width)
    : channels_(channels), height_(height), width_(width) {
  int64_t in = g_inputs;
  for (size_t i = 0; i <= kGHidden.size(); ++i) {
    const int64_t out = i < kGHidden.size() ? kGHidden[i] : channels * height * width;
    fcs.push_back(register_module("fc" + std::to_string(i + 1), nn::Linear(in, out)));
    if (i > 0 && i < kGHidden.size())
      bns.push_back(register_module("bn" + std::to_string(i + 1),
                                    nn::BatchNorm1d(nn::BatchNorm1dOptions(out).eps(kBnEps))));
    in = out;
  }
}

torch::Tensor MlpDeepGenerator::forward(const torch::Tensor& z) {
  const auto lrelu = F::LeakyReLUFuncOptions().negative_slope(kGLeakySlope);
  auto h = F::leaky_relu(fcs[0](z), lrelu);  // no BatchNorm after the first layer
  for (size_t i = 0; i < bns.size(); ++i) h = F::leaky_relu(bns[i](fcs[i + 1](h)), lrelu);
  return torch::tanh(fcs.back()(h)).view({z.size(0), channels_, height_, width_});
}

MlpDeepCritic::MlpDeepCritic(const NetSpec& spec) : seed_(spec.seed) {
  int64_t in = spec.channels * spec.height * spec.width + spec.cond_classes;
  for (size_t i = 0; i <= kDHidden.size(); ++i) {
    const int64_t out = i < kDHidden.size() ? kDHidden[i] : spec.critic_outputs;
    fcs.push_back(register_module("fc" + std::to_string(i + 1), nn::Linear(in, out)));
    in = out;
  }
}

torch::Tensor MlpDeepCritic::dropout(const torch::Tensor& x) {
  if (!is_training()) return x;
  if (!mask_gen_ || mask_gen_->device() != x.device())
    mask_gen_ = mask_generator(seed_, x.device());
  auto mask = at::empty_like(x).bernoulli_(kDropKeep, *mask_gen_).div_(kDropKeep);
  return x * mask;
}

torch::Tensor MlpDeepCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = x.flatten(1);
  if (cond.defined()) h = torch::cat({h, cond.to(h.dtype())}, 1);
  for (size_t i = 0; i + 1 < fcs.size(); ++i) {
    const size_t layer = i + 1;
    h = fcs[i](h);
    if (layer <= kLastReluLayer) h = F::relu(h);
    if (layer >= kFirstDropoutLayer && layer <= kLastReluLayer) h = dropout(h);
  }
  return fcs.back()(h);
}

}  // namespace ganrun::models
