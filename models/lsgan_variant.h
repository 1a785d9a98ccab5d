// models/lsgan_variant.h — LSGAN (Mao et al. 2017) with a = 0, b = c = 1: D regresses its raw
// output to 1 on real and 0 on generated samples, G pushes D(G(z)) toward 1 (least squares,
// models/adversarial_losses.h). Same nets and steps as the GAN, another loss.
#pragma once

#include <memory>

#include "models/generator_owner.h"

namespace ganrun::models {

class LsganVariant final : public GeneratorOwner {
 public:
  explicit LsganVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;

 private:
  std::shared_ptr<CriticNet> discriminator_;
};

}  // namespace ganrun::models
