// models/dragan_variant.cpp — DRAGAN update steps (see header).
#include "models/dragan_variant.h"

#include "models/adversarial_losses.h"
#include "models/penalties.h"
#include "models/variant_families.h"

namespace ganrun::models {

std::unique_ptr<Variant> make_dragan(const VariantConfig& config) {
  return std::make_unique<DraganVariant>(config);
}

DraganVariant::DraganVariant(const VariantConfig& config)
    : GeneratorOwner(config, base_spec(config)) {
  discriminator_ = make_critic(base_spec(config));
  set_critic_net(discriminator_);
}

const std::vector<std::string>& DraganVariant::metric_names() const {
  // gp: the penalty term (lambda included).
  static const std::vector<std::string> names{"d_loss", "g_loss", "gp"};
  return names;
}

void DraganVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
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
  const auto points =
      dragan_points(real.images, *ctx.reducer, *ctx.noise, ctx.step, ctx.critic_iter).points;
  const auto norms = input_gradient_norms(
      [this](const torch::Tensor& x) { return discriminator_->forward(x, {}); }, points);
  auto gp = unit_gradient_penalty(norms, config_.gp_lambda);
  auto loss = gan_d_loss(real_logits, fake_logits) + gp;
  loss.backward();
  (*ctx.sync_gradients)(*discriminator_);
  opt_d_->step();
  metrics.add("d_loss", loss);
  metrics.add("gp", gp);
}

void DraganVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  // Sub-index n_critic: after the critic iterations' draws (the loop sets critic_iter).
  auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
  opt_g_->zero_grad();
  auto loss =
      gan_g_loss(discriminator_->forward(generator_->forward(z), {}), config_.g_loss == "minimax");
  loss.backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
  metrics.add("g_loss", loss);
}

}  // namespace ganrun::models
