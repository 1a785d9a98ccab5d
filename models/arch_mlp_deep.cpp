// models/arch_mlp_deep.cpp — layers and forward passes of the deep MLP pair, and its critic's
// seeded dropout (see header).
#include "models/arch_mlp_deep.h"

#include <ATen/Context.h>                    // at::globalContext().getAcceleratorHooksInterface
#include <torch/nn/functional/activation.h>  // relu, leaky_relu

#include <stdexcept>
#include <string>
#include <vector>

#include "models/pack_ops.h"
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
                                   int64_t width, int64_t members)
    : channels_(channels), height_(height), width_(width), members_(members) {
  int64_t in = g_inputs;
  for (size_t i = 0; i <= kGHidden.size(); ++i) {
    const int64_t out = i < kGHidden.size() ? kGHidden[i] : channels * height * width;
    fcs.push_back(register_module("fc" + std::to_string(i + 1), nn::Linear(in, members * out)));
    if (i > 0 && i < kGHidden.size())
      bns.push_back(
          register_module("bn" + std::to_string(i + 1),
                          nn::BatchNorm1d(nn::BatchNorm1dOptions(members * out).eps(kBnEps))));
    in = out;
  }
}

torch::Tensor MlpDeepGenerator::forward(const torch::Tensor& z) {
  const auto lrelu = F::LeakyReLUFuncOptions().negative_slope(kGLeakySlope);
  // No BatchNorm after the first layer.
  auto h = F::leaky_relu(packed_linear(fcs[0], z, members_), lrelu);
  for (size_t i = 0; i < bns.size(); ++i)
    h = F::leaky_relu(bns[i](packed_linear(fcs[i + 1], h, members_)), lrelu);
  return torch::tanh(packed_linear(fcs.back(), h, members_))
      .view({z.size(0), members_ * channels_, height_, width_});
}

MlpDeepCritic::MlpDeepCritic(const NetSpec& spec)
    : seeds_(spec.member_seeds.empty() ? std::vector<uint64_t>{spec.seed} : spec.member_seeds),
      members_(spec.members) {
  if (static_cast<int64_t>(seeds_.size()) != members_)
    throw std::invalid_argument("mlp-deep: one dropout seed per member is needed");
  int64_t in = spec.channels * spec.height * spec.width + spec.cond_classes;
  for (size_t i = 0; i <= kDHidden.size(); ++i) {
    const int64_t out = i < kDHidden.size() ? kDHidden[i] : spec.critic_outputs;
    fcs.push_back(register_module("fc" + std::to_string(i + 1), nn::Linear(in, members_ * out)));
    in = out;
  }
}

void MlpDeepCritic::make_generators(torch::Device device) {
  if (!mask_gens_.empty() && mask_gens_.front().device() == device) return;
  mask_gens_.clear();
  for (const uint64_t seed : seeds_) mask_gens_.push_back(mask_generator(seed, device));
}

std::vector<torch::Tensor> MlpDeepCritic::random_state() {
  make_generators(fcs.front()->weight.device());
  std::vector<torch::Tensor> state;
  for (auto& gen : mask_gens_) state.push_back(gen.get_state());
  return state;
}

void MlpDeepCritic::set_random_state(const std::vector<torch::Tensor>& state) {
  make_generators(fcs.front()->weight.device());
  if (state.size() != mask_gens_.size())
    throw std::invalid_argument(
        "mlp-deep: the checkpoint holds another number of dropout "
        "generators than this net has members");
  for (size_t i = 0; i < state.size(); ++i) mask_gens_[i].set_state(state[i]);
}

torch::Tensor MlpDeepCritic::dropout(const torch::Tensor& x) {
  if (!is_training()) return x;
  make_generators(x.device());
  // Each member's mask drawn in its own block's shape from its own generator: the numbers its
  // run alone draws.
  const int64_t width = x.size(1) / members_;
  std::vector<torch::Tensor> masks;
  for (auto& gen : mask_gens_)
    masks.push_back(at::empty({x.size(0), width}, x.options()).bernoulli_(kDropKeep, gen));
  auto mask = masks.size() == 1 ? masks.front() : at::cat(masks, 1);
  return x * mask.div_(kDropKeep);
}

torch::Tensor MlpDeepCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = x.flatten(1);
  if (cond.defined()) h = join_member_features(h, cond.to(h.dtype()), members_);
  for (size_t i = 0; i + 1 < fcs.size(); ++i) {
    const size_t layer = i + 1;
    h = packed_linear(fcs[i], h, members_);
    if (layer <= kLastReluLayer) h = F::relu(h);
    if (layer >= kFirstDropoutLayer && layer <= kLastReluLayer) h = dropout(h);
  }
  return packed_linear(fcs.back(), h, members_);
}

}  // namespace ganrun::models
