// models/gan_variant.h — the original GAN (Goodfellow et al. 2014) as BCE with logits: D
// maximises log D(x) + log(1 - D(G(z))); G maximises log D(G(z)) (non-saturating, default) or
// minimises log(1 - D(G(z))) (minimax, `g_loss: minimax`, as the 2-D studies used).
#pragma once

#include <memory>

#include "models/generator_owner.h"

namespace ganrun::models {

class GanVariant final : public GeneratorOwner {
 public:
  explicit GanVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;

 private:
  std::shared_ptr<CriticNet> discriminator_;
};

}  // namespace ganrun::models
