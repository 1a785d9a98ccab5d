// models/norm_layers.cpp — critic normalisation slots (see header).
#include "models/norm_layers.h"

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
                   const std::vector<int64_t>& features)
    : kind_(kind) {
  if (features.size() != 1 && features.size() != 3)
    throw std::logic_error("NormSlot: features must be {F} or {C, H, W}");
  if (kind == NormKind::kBatch && features.size() == 1) {
    bn1d_ = owner.register_module(name, torch::nn::BatchNorm1d(features[0]));
  } else if (kind == NormKind::kBatch) {
    bn2d_ = owner.register_module(name, torch::nn::BatchNorm2d(features[0]));
  } else if (kind == NormKind::kLayer) {
    ln_ = owner.register_module(name, torch::nn::LayerNorm(torch::nn::LayerNormOptions(features)));
  }
}

torch::Tensor NormSlot::operator()(const torch::Tensor& x) {
  if (bn1d_) return bn1d_->forward(x);
  if (bn2d_) return bn2d_->forward(x);
  if (ln_) return ln_->forward(x);
  return x;
}

}  // namespace ganrun::models
