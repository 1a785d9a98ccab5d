// models/single_critic_step.cpp — the one critic update and generator update (see header).
#include "models/single_critic_step.h"

#include <torch/csrc/autograd/grad_mode.h>  // torch::NoGradGuard

#include "models/adversarial_losses.h"
#include "models/pack_ops.h"

namespace ganrun::models {

SingleCriticVariant::SingleCriticVariant(const VariantConfig& config, const NetSpec& generator_spec,
                                         std::vector<std::string> metrics)
    : GeneratorOwner(config, generator_spec), metric_names_(std::move(metrics)) {}

FakeInputs SingleCriticVariant::fake_inputs(const StepContext& ctx, const RealBatch*) {
  FakeInputs inputs;
  inputs.generator_input = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
  return inputs;
}

void SingleCriticVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
                                             MetricAccumulator& metrics) {
  generator_->train();
  critic_net_->train();
  const FakeInputs inputs = fake_inputs(ctx, &real);
  if (config_.generator_noise == "reused") last_critic_inputs_ = inputs;
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // the critic update does not need G's graph
    fake = generator_->forward(inputs.generator_input);
  }
  opt_d_->zero_grad();
  const UpdateLoss loss = critic_loss(CriticUpdate{real, fake, inputs, ctx}, metrics);
  // Packed: the sum of the members' losses, so each member gets its own gradient.
  loss.minimised.sum().backward();
  (*ctx.sync_gradients)(*critic_net_);
  opt_d_->step();
  after_critic_update(metrics);
  metrics.add("d_loss", loss.recorded);
}

void SingleCriticVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
  generator_->train();
  critic_net_->train();
  // `reused`: the collection's G update feeds G the z (labels, codes) of the step's last critic
  // update; every step starts with a critic update, so they are this step's.
  const FakeInputs inputs =
      config_.generator_noise == "reused" ? last_critic_inputs_ : fake_inputs(ctx, nullptr);
  opt_g_->zero_grad();
  const auto fake = generator_->forward(inputs.generator_input);
  const UpdateLoss loss = generator_loss(fake, inputs, ctx, metrics);
  apply_generator_loss(loss, ctx);
  metrics.add("g_loss", loss.recorded);
}

void SingleCriticVariant::apply_generator_loss(const UpdateLoss& loss, const StepContext& ctx) {
  loss.minimised.sum().backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
}

ImageCriticVariant::ImageCriticVariant(const VariantConfig& config, const NetSpec& generator_spec,
                                       const NetSpec& critic_spec, std::vector<std::string> metrics)
    : SingleCriticVariant(config, generator_spec, std::move(metrics)) {
  critic_ = make_critic(critic_spec);
  set_critic_net(critic_);
}

torch::Tensor ImageCriticVariant::bce_critic_loss(const CriticUpdate& u,
                                                  MetricAccumulator& metrics) {
  const auto real_logits = score(u.real.images, u.inputs);
  const auto fake_logits = score(u.fake, u.inputs);
  metrics.add("d_real", member_mean(torch::sigmoid(real_logits), members()));
  metrics.add("d_fake", member_mean(torch::sigmoid(fake_logits), members()));
  return gan_d_loss(real_logits, fake_logits, members());
}

}  // namespace ganrun::models
