// models/class_conditional.cpp — the label-conditioned generator side (see header).
#include "models/class_conditional.h"

#include "models/conditional.h"

namespace ganrun::models {

NetSpec ClassConditionalVariant::conditional_generator_spec(const VariantConfig& config) {
  NetSpec spec = base_spec(config);
  spec.g_inputs = config.z_dim + config.classes;
  return spec;
}

ClassConditionalVariant::ClassConditionalVariant(const VariantConfig& config)
    : GeneratorOwner(config, conditional_generator_spec(config)) {}

int64_t ClassConditionalVariant::fixed_noise_rows() const { return kConditionalGridRows; }

int64_t ClassConditionalVariant::samples_per_grid() const {
  return kConditionalGridRows * config_.classes;
}

torch::Tensor ClassConditionalVariant::sample(const torch::Tensor& z) {
  const auto grid = class_by_noise_grid(to_run(z), config_.classes);
  return GeneratorOwner::sample(with_one_hot(grid.noise, grid.labels, config_.classes));
}

torch::Tensor ClassConditionalVariant::one_hot_labels(const torch::Tensor& labels) const {
  return one_hot(labels, config_.classes,
                 torch::TensorOptions().dtype(config_.dtype).device(config_.device));
}

torch::Tensor ClassConditionalVariant::generate(const torch::Tensor& z,
                                                const torch::Tensor& labels) {
  return generator_->forward(with_one_hot(z, labels, config_.classes));
}

}  // namespace ganrun::models
