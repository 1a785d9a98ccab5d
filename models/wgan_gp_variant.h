// models/wgan_gp_variant.h — WGAN-GP (Gulrajani et al. 2017, Algorithm 1): the WGAN critic loss
// plus lambda * (||grad D(x_hat)||_2 - 1)^2 at x_hat = a * x + (1 - a) * G(z), a ~ U[0, 1) per
// sample (models/penalties.h). No clipping. The critic's normalisation is `critic_norm` (the
// paper forbids BatchNorm: the penalty is per sample); critic weight decay comes through the
// critic optimiser's settings.
#pragma once

#include <memory>

#include "models/generator_owner.h"

namespace ganrun::models {

class WganGpVariant final : public GeneratorOwner {
 public:
  explicit WganGpVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;

 private:
  std::shared_ptr<CriticNet> critic_;
};

}  // namespace ganrun::models
