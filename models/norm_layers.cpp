// models/norm_layers.cpp — critic normalisation slots (see header).
#include "models/norm_layers.h"

#include <ATen/ops/layer_norm.h>

#include <stdexcept>

namespace ganrun::models {

NormKind resolve_critic_norm(const std::string& critic_norm, NormKind own) {
  if (critic_norm.empty()) return own;
  if (critic_norm == "none") return NormKind::kNone;
  if (critic_norm == "batch") return NormKind::kBatch;
  if (critic_norm == "layer") return NormKind::kLayer;
  throw std::invalid_argument("critic_norm '" + critic_norm +
                              "' is not one of none, layer, batch (or empty for the "
                              "architecture's own)");
}

NormSlot::NormSlot(torch::nn::Module& owner, const std::string& name, NormKind kind,
                   const std::vector<int64_t>& features, int64_t members)
    : kind_(kind), members_(members) {
  if (features.size() != 1 && features.size() != 3)
    throw std::logic_error("NormSlot: features must be {F} or {C, H, W}");
  auto stacked = features;  // one block of features (or channels) per member
  stacked[0] *= members;
  if (kind == NormKind::kBatch && features.size() == 1) {
    bn1d_ = owner.register_module(name, torch::nn::BatchNorm1d(stacked[0]));
  } else if (kind == NormKind::kBatch) {
    bn2d_ = owner.register_module(name, torch::nn::BatchNorm2d(stacked[0]));
  } else if (kind == NormKind::kLayer) {
    ln_ = owner.register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions(stacked)));
  }
}

torch::Tensor NormSlot::operator()(const torch::Tensor& x) {
  if (bn1d_) return bn1d_->forward(x);
  if (bn2d_) return bn2d_->forward(x);
  if (ln_ && members_ == 1) return ln_->forward(x);
  if (ln_) {
    // Each member's block of each sample normalised alone, then that member's affine.
    const auto rows = x.reshape({x.size(0), members_, -1});
    const auto normed = at::layer_norm(rows, {rows.size(2)}, {}, {}, ln_->options.eps());
    const auto w = ln_->weight.reshape({members_, -1}), b = ln_->bias.reshape({members_, -1});
    return (normed * w + b).view(x.sizes());
  }
  return x;
}

}  // namespace ganrun::models
