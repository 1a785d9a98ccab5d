// models/gan_variant.cpp — GAN losses and update steps (see header).
#include "models/gan_variant.h"

#include "models/adversarial_losses.h"
#include "models/variant_families.h"

namespace ganrun::models {

std::unique_ptr<Variant> make_gan(const VariantConfig& config) {
  return std::make_unique<GanVariant>(config);
}

GanVariant::GanVariant(const VariantConfig& config) : GeneratorOwner(config, base_spec(config)) {
  discriminator_ = make_critic(base_spec(config));
  set_critic_net(discriminator_);
}

const std::vector<std::string>& GanVariant::metric_names() const {
  // d_real / d_fake: mean D output (after the sigmoid) on real and generated batches.
  static const std::vector<std::string> names{"d_loss", "g_loss", "d_real", "d_fake"};
  return names;
}

void GanVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
                                    MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // the critic update does not need G's graph
    fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
  }
  opt_d_->zero_grad();
  auto real_logits = discriminator_->forward(real.images, {});
  auto fake_logits = discriminator_->forward(fake, {});
  auto loss = gan_d_loss(real_logits, fake_logits);
  loss.backward();
  (*ctx.sync_gradients)(*discriminator_);
  opt_d_->step();
  metrics.add("d_loss", loss);
  metrics.add("d_real", torch::sigmoid(real_logits).mean());
  metrics.add("d_fake", torch::sigmoid(fake_logits).mean());
}

void GanVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  // Fresh noise for the generator update: sub-index after the critic iterations' draws.
  auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
  opt_g_->zero_grad();
  auto logits = discriminator_->forward(generator_->forward(z), {});
  // non-saturating: maximise log D(G(z)); minimax: minimise log(1 - D(G(z))) = -BCE(l, 0).
  auto loss = gan_g_loss(logits, config_.g_loss == "minimax");
  loss.backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
  metrics.add("g_loss", loss);
}

}  // namespace ganrun::models
