// models/lsgan_variant.cpp — LSGAN update steps (see header).
#include "models/lsgan_variant.h"

#include "models/adversarial_losses.h"
#include "models/variant_families.h"

namespace ganrun::models {

std::unique_ptr<Variant> make_lsgan(const VariantConfig& config) {
  return std::make_unique<LsganVariant>(config);
}

LsganVariant::LsganVariant(const VariantConfig& config)
    : GeneratorOwner(config, base_spec(config)) {
  discriminator_ = make_critic(base_spec(config));
  set_critic_net(discriminator_);
}

const std::vector<std::string>& LsganVariant::metric_names() const {
  // d_real / d_fake: mean raw D output on real and generated batches (targets 1 and 0).
  static const std::vector<std::string> names{"d_loss", "g_loss", "d_real", "d_fake"};
  return names;
}

void LsganVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
                                      MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // the critic update does not need G's graph
    fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
  }
  opt_d_->zero_grad();
  auto real_out = discriminator_->forward(real.images, {});
  auto fake_out = discriminator_->forward(fake, {});
  auto loss = lsgan_d_loss(real_out, fake_out);
  loss.backward();
  (*ctx.sync_gradients)(*discriminator_);
  opt_d_->step();
  metrics.add("d_loss", loss);
  metrics.add("d_real", real_out.mean());
  metrics.add("d_fake", fake_out.mean());
}

void LsganVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  // Sub-index n_critic: after the critic iterations' draws (the loop sets critic_iter).
  auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
  opt_g_->zero_grad();
  auto loss = lsgan_g_loss(discriminator_->forward(generator_->forward(z), {}));
  loss.backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
  metrics.add("g_loss", loss);
}

}  // namespace ganrun::models
