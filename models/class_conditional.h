// models/class_conditional.h — the generator side shared by the label-conditioned variants
// (cgan, acgan): G takes z ++ one-hot(label), the fakes of a step use the labels of the last
// real batch the critic saw, and the sample grid is the collection's 10 noise rows x classes.
#pragma once

#include <torch/types.h>

#include "models/generator_owner.h"

namespace ganrun::models {

class ClassConditionalVariant : public GeneratorOwner {
 public:
  int64_t fixed_noise_rows() const override;
  int64_t samples_per_grid() const override;
  // z [R, z_dim] -> R * classes images, image classes*i + j = noise row i with class j.
  torch::Tensor sample(const torch::Tensor& z) override;

 protected:
  explicit ClassConditionalVariant(const VariantConfig& config);
  // The spec of the generator: g_inputs = z_dim + classes.
  static NetSpec conditional_generator_spec(const VariantConfig& config);
  // One-hot [B, classes] of `labels` in the run's dtype and device.
  torch::Tensor one_hot_labels(const torch::Tensor& labels) const;
  // G(z ++ one-hot(labels)) in train mode.
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels);

  // Labels of the last real batch (discriminator_step keeps them for the generator step).
  torch::Tensor last_labels_;
};

}  // namespace ganrun::models
