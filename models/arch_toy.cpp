// models/arch_toy.cpp — layers and forward passes of the 2-D toy pair (see header).
#include "models/arch_toy.h"

#include <torch/nn/functional/activation.h>  // relu

#include <string>

#include "models/pack_ops.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;
namespace nn = torch::nn;

constexpr int64_t kPointDim = 2;

}  // namespace

ToyGenerator::ToyGenerator(int64_t g_inputs, int64_t depth, int64_t width, int64_t members)
    : members_(members) {
  int64_t in = g_inputs;
  for (int64_t i = 0; i <= depth; ++i) {
    const int64_t out = i < depth ? width : kPointDim;
    fcs.push_back(register_module("fc" + std::to_string(i + 1), nn::Linear(in, members * out)));
    in = out;
  }
}

torch::Tensor ToyGenerator::forward(const torch::Tensor& z) {
  auto h = z;
  for (size_t i = 0; i + 1 < fcs.size(); ++i) h = F::relu(packed_linear(fcs[i], h, members_));
  return packed_linear(fcs.back(), h, members_);
}

ToyCritic::ToyCritic(const NetSpec& spec) : members_(spec.members) {
  int64_t in = kPointDim + spec.cond_classes;
  for (int64_t i = 0; i <= spec.toy_depth; ++i) {
    const int64_t out = i < spec.toy_depth ? spec.toy_width : spec.critic_outputs;
    fcs.push_back(
        register_module("fc" + std::to_string(i + 1), nn::Linear(in, spec.members * out)));
    in = out;
  }
}

torch::Tensor ToyCritic::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto h = x.flatten(1);  // [B, 2, 1, 1] -> [B, 2]
  if (cond.defined()) h = join_member_features(h, cond.to(h.dtype()), members_);
  for (size_t i = 0; i + 1 < fcs.size(); ++i) h = F::relu(packed_linear(fcs[i], h, members_));
  return packed_linear(fcs.back(), h, members_);
}

}  // namespace ganrun::models
