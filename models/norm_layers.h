// models/norm_layers.h — the critic's normalisation slots. Where an architecture normalises a
// hidden layer of its critic (or auto-encoder), NetSpec.critic_norm chooses what goes there:
// the architecture's own choice, nothing, BatchNorm, or LayerNorm over the layer's features.
// WGAN-GP needs this (its penalty is per sample, so the paper forbids BatchNorm in the critic).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/normalization.h>  // LayerNorm

#include <cstdint>
#include <string>
#include <vector>

namespace ganrun::models {

enum class NormKind { kNone, kBatch, kLayer };

// NetSpec.critic_norm resolved against the architecture's own choice for a slot: "" keeps
// `own`, "none" | "batch" | "layer" force that kind. Throws std::invalid_argument otherwise.
NormKind resolve_critic_norm(const std::string& critic_norm, NormKind own);

// One normalisation slot of a critic layer with output `features`: {F} for a fully connected
// layer, {C, H, W} for a conv layer. BatchNorm normalises each feature (each channel for conv
// layers) over the batch; LayerNorm normalises each sample over all of `features`, with an
// elementwise affine of that shape. kNone registers nothing and forward is the identity.
// Packed (members K > 1, models/pack_ops.h): K*F features or K*C channels, one block per
// member; LayerNorm then normalises each member's block of each sample on its own.
class NormSlot {
 public:
  NormSlot() = default;
  // Registers the norm module (if any) on `owner` under `name`.
  NormSlot(torch::nn::Module& owner, const std::string& name, NormKind kind,
           const std::vector<int64_t>& features, int64_t members = 1);

  torch::Tensor operator()(const torch::Tensor& x);
  NormKind kind() const { return kind_; }

 private:
  NormKind kind_ = NormKind::kNone;
  int64_t members_ = 1;
  torch::nn::BatchNorm1d bn1d_{nullptr};
  torch::nn::BatchNorm2d bn2d_{nullptr};
  torch::nn::LayerNorm ln_{nullptr};
};

}  // namespace ganrun::models
