// models/gan_variant.h — the original GAN (Goodfellow et al. 2014) with the non-saturating
// generator loss, as BCE with logits: D maximises log D(x) + log(1 - D(G(z))), G maximises
// log D(G(z)). Adam for both nets.
#pragma once

#include <torch/optim/adam.h>

#include <memory>

#include "models/mlp.h"
#include "models/variant.h"

namespace ganrun::models {

class GanVariant final : public Variant {
 public:
  explicit GanVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;
  torch::Tensor sample(const torch::Tensor& z) override;
  NamedTensors generator_state() override;
  void load_generator_state(const NamedTensors& state) override;

 private:
  torch::Tensor generate(const torch::Tensor& z);  // [B, C, H, W]
  VariantConfig config_;
  MlpGenerator generator_{nullptr};
  MlpDiscriminator discriminator_{nullptr};
  std::unique_ptr<torch::optim::Adam> opt_g_, opt_d_;
};

}  // namespace ganrun::models
