// models/dragan_variant.h — DRAGAN (Kodali et al. 2017): the GAN loss (BCE with logits,
// `g_loss` as for gan) plus lambda * (||grad D(x_hat)||_2 - 1)^2 at x_hat = x + a * (x_p - x),
// x_p = x + 0.5 * std(x) * u, u ~ U[0, 1) elementwise, a ~ U[0, 1) per sample, std(x) one
// scalar over the whole global batch (models/penalties.h). Penalty weight: `gp_lambda`.
#pragma once

#include <memory>

#include "models/generator_owner.h"

namespace ganrun::models {

class DraganVariant final : public GeneratorOwner {
 public:
  explicit DraganVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;

 private:
  std::shared_ptr<CriticNet> discriminator_;
};

}  // namespace ganrun::models
