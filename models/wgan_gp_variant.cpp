// models/wgan_gp_variant.cpp — WGAN-GP update steps (see header).
#include "models/wgan_gp_variant.h"

#include "models/adversarial_losses.h"
#include "models/penalties.h"
#include "models/variant_families.h"

namespace ganrun::models {

std::unique_ptr<Variant> make_wgan_gp(const VariantConfig& config) {
  return std::make_unique<WganGpVariant>(config);
}

WganGpVariant::WganGpVariant(const VariantConfig& config)
    : GeneratorOwner(config, base_spec(config)) {
  critic_ = make_critic(base_spec(config));
  set_critic_net(critic_);
}

const std::vector<std::string>& WganGpVariant::metric_names() const {
  // gp: the penalty term (lambda included); grad_norm: mean ||grad D(x_hat)||.
  static const std::vector<std::string> names{"d_loss", "g_loss", "gp", "wasserstein", "grad_norm"};
  return names;
}

void WganGpVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
                                       MetricAccumulator& metrics) {
  generator_->train();
  critic_->train();
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // the critic update does not need G's graph
    fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
  }
  opt_d_->zero_grad();
  auto real_out = critic_->forward(real.images, {});
  auto fake_out = critic_->forward(fake, {});
  const auto points = wgan_gp_points(real.images, fake, *ctx.noise, ctx.step, ctx.critic_iter);
  const auto norms = input_gradient_norms(
      [this](const torch::Tensor& x) { return critic_->forward(x, {}); }, points);
  auto gp = unit_gradient_penalty(norms, config_.gp_lambda);
  auto loss = wgan_critic_loss(real_out, fake_out) + gp;
  loss.backward();
  (*ctx.sync_gradients)(*critic_);
  opt_d_->step();
  metrics.add("d_loss", loss);
  metrics.add("gp", gp);
  metrics.add("wasserstein", wasserstein_estimate(real_out, fake_out));
  metrics.add("grad_norm", norms.mean());
}

void WganGpVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
  generator_->train();
  critic_->train();
  // Sub-index n_critic: after the critic iterations' draws (the loop sets critic_iter).
  auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
  opt_g_->zero_grad();
  auto loss = wgan_g_loss(critic_->forward(generator_->forward(z), {}));
  loss.backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
  metrics.add("g_loss", loss);
}

}  // namespace ganrun::models
