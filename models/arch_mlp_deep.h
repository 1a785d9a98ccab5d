// models/arch_mlp_deep.h — `mlp-deep`: a deep fully connected pair.
//   G: g_inputs -> 128 -> 256 -> 512 -> 1024 -> 2048 -> 4096 -> C*H*W, LeakyReLU 0.2 after every
//      hidden layer, BatchNorm (eps 0.8) after all hidden layers but the first, tanh at the end.
//   D: C*H*W (+ one-hot) -> 4096 -> 2048 -> 1024 -> 512 -> 256 -> outputs, ReLU after layers
//      1-4, Dropout 0.5 after layers 2-4; layer 5 feeds the output layer with no activation
//      (as the issue lists it); the source's sigmoid is folded into BCE-with-logits.
// Dropout masks come from a generator the critic owns, keyed by NetSpec.seed, never the global
// one: two critics built from the same spec draw the same masks in the same order. The stream
// starts afresh when the net is built (a resumed run does not continue the old stream).
// Packed (models/pack_ops.h): every Linear holds the K members' weights, and each member's masks
// come from its own generator (NetSpec.member_seeds), drawn in its own block's shape, so a member
// sees the masks of its run alone.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "models/nets.h"

namespace ganrun::models {

// z [B, g_inputs] -> images [B, C, H, W] in (-1, 1). Submodules fc1..fc7, bn2..bn6.
struct MlpDeepGenerator : GeneratorNet {
  MlpDeepGenerator(int64_t g_inputs, int64_t channels, int64_t height, int64_t width,
                   int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;

  std::vector<torch::nn::Linear> fcs;       // fc1..fc7
  std::vector<torch::nn::BatchNorm1d> bns;  // bn2..bn6 (bns[i] follows fcs[i + 1])

 private:
  int64_t channels_, height_, width_, members_;
};

// x [B, C, H, W] or [B, C*H*W] (+ one-hot concatenated) -> raw outputs [B, outputs].
// Submodules fc1..fc6. Dropout is active in train mode only. No normalisation, so no norm slot:
// NetSpec.critic_norm leaves it unchanged.
struct MlpDeepCritic : CriticNet {
  explicit MlpDeepCritic(const NetSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;
  // The members' dropout generators (made on the parameters' device when not yet used).
  std::vector<torch::Tensor> random_state() override;
  void set_random_state(const std::vector<torch::Tensor>& state) override;

  std::vector<torch::nn::Linear> fcs;  // fc1..fc6

 private:
  // x * mask / keep with mask ~ Bernoulli(keep), drawn on x's device from the owned generator.
  torch::Tensor dropout(const torch::Tensor& x);
  void make_generators(torch::Device device);

  std::vector<uint64_t> seeds_;              // one per member
  std::vector<torch::Generator> mask_gens_;  // made on first use on a device, one per member
  int64_t members_;
};

}  // namespace ganrun::models
