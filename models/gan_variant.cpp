// models/gan_variant.cpp — GAN losses and update steps (see header).
#include "models/gan_variant.h"

#include <torch/nn/functional/loss.h>  // binary_cross_entropy_with_logits

#include "models/init.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

// Net indices for keyed initialisation (part of the generator key: stable).
constexpr uint64_t kGeneratorNet = 0;
constexpr uint64_t kDiscriminatorNet = 1;

torch::Tensor bce_with_logits(const torch::Tensor& logits, double target) {
  return F::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

}  // namespace

GanVariant::GanVariant(const VariantConfig& config) : config_(config) {
  const int64_t pixels = config.channels * config.height * config.width;
  generator_ = MlpGenerator(config.z_dim, pixels);
  discriminator_ = MlpDiscriminator(pixels);
  init_default(*generator_, config.seed, kGeneratorNet);
  init_default(*discriminator_, config.seed, kDiscriminatorNet);
  generator_->to(config.device, config.dtype);
  discriminator_->to(config.device, config.dtype);
  opt_g_ = std::make_unique<torch::optim::Adam>(
      generator_->parameters(),
      torch::optim::AdamOptions(config.lr_g).betas({config.beta1, config.beta2}));
  opt_d_ = std::make_unique<torch::optim::Adam>(
      discriminator_->parameters(),
      torch::optim::AdamOptions(config.lr_d).betas({config.beta1, config.beta2}));
}

const std::vector<std::string>& GanVariant::metric_names() const {
  // d_real / d_fake: mean D output (after the sigmoid) on real and generated batches.
  static const std::vector<std::string> names{"d_loss", "g_loss", "d_real", "d_fake"};
  return names;
}

torch::Tensor GanVariant::generate(const torch::Tensor& z) {
  return generator_->forward(z).view({z.size(0), config_.channels, config_.height, config_.width});
}

void GanVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
                                    MetricAccumulator& metrics) {
  generator_->train();
  discriminator_->train();
  torch::Tensor fake;
  {
    torch::NoGradGuard no_grad;  // the critic update does not need G's graph
    fake = generate(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
  }
  opt_d_->zero_grad();
  auto real_logits = discriminator_->forward(real.images);
  auto fake_logits = discriminator_->forward(fake);
  auto loss = bce_with_logits(real_logits, 1.0) + bce_with_logits(fake_logits, 0.0);
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
  auto logits = discriminator_->forward(generate(z));
  auto loss = bce_with_logits(logits, 1.0);  // non-saturating: maximise log D(G(z))
  loss.backward();
  (*ctx.sync_gradients)(*generator_);
  opt_g_->step();
  metrics.add("g_loss", loss);
}

torch::Tensor GanVariant::sample(const torch::Tensor& z) {
  torch::NoGradGuard no_grad;
  generator_->eval();
  auto images = generate(z.to(config_.device, config_.dtype));
  generator_->train();
  return images;
}

NamedTensors GanVariant::generator_state() {
  NamedTensors state;
  for (const auto& item : generator_->named_parameters())
    state.emplace_back(item.key(), item.value());
  for (const auto& item : generator_->named_buffers())
    if (item.value().is_floating_point()) state.emplace_back(item.key(), item.value());
  return state;
}

void GanVariant::load_generator_state(const NamedTensors& state) {
  torch::NoGradGuard no_grad;
  auto params = generator_->named_parameters();
  auto buffers = generator_->named_buffers();
  for (const auto& [name, value] : state) {
    torch::Tensor* target = params.find(name);
    if (target == nullptr) target = buffers.find(name);
    if (target == nullptr) throw std::invalid_argument("generator has no tensor '" + name + "'");
    if (target->sizes() != value.sizes())
      throw std::invalid_argument("generator tensor '" + name + "' has another shape");
    target->copy_(value);
  }
}

}  // namespace ganrun::models
