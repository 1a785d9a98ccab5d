// models/arch_toy.h — `toy`: the 2-D MLP pair of WGAN-GP's toy experiments, depth and width
// from NetSpec (toy_depth hidden layers of toy_width units, ReLU; defaults 3 x 512).
//   G: g_inputs -> width -> ... -> width -> 2 (no output activation: points, not pixels)
//   D: 2 (+ one-hot) -> width -> ... -> width -> outputs
// Points are flat [B, 2] tensors (the loop feeds toy batches as float [B, 2]). No normalisation,
// so no norm slot: NetSpec.critic_norm leaves the critic unchanged.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <vector>

#include "models/nets.h"

namespace ganrun::models {

// z [B, g_inputs] -> points [B, 2]. Submodules fc1..fc(depth+1).
struct ToyGenerator : GeneratorNet {
  ToyGenerator(int64_t g_inputs, int64_t depth, int64_t width, int64_t members = 1);
  torch::Tensor forward(const torch::Tensor& z) override;

  std::vector<torch::nn::Linear> fcs;

 private:
  int64_t members_;
};

// x [B, 2] or [B, 2, 1, 1] (+ one-hot concatenated) -> raw outputs [B, outputs].
// Submodules fc1..fc(depth+1).
struct ToyCritic : CriticNet {
  explicit ToyCritic(const NetSpec& spec);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) override;

  std::vector<torch::nn::Linear> fcs;

 private:
  int64_t members_;
};

}  // namespace ganrun::models
