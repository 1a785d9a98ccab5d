// models/cgan_variant.cpp — conditional GAN (Mirza & Osindero 2014): G(z ++ one-hot(y)), D(x, y)
// with the label as a one-hot condition (the critic net concatenates it for MLPs and appends
// label planes for conv nets), BCE with logits. Fakes use the real batch's labels, as the
// reference collection's CGAN.py does.
#include <memory>

#include "models/adversarial_losses.h"
#include "models/class_conditional.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

class CganVariant final : public ClassConditionalVariant {
 public:
  explicit CganVariant(const VariantConfig& config) : ClassConditionalVariant(config) {
    NetSpec spec = base_spec(config);
    spec.cond_classes = config.classes;
    discriminator_ = make_critic(spec);
    set_critic_net(discriminator_);
  }

  const std::vector<std::string>& metric_names() const override {
    // d_real / d_fake: mean D output (after the sigmoid) on real and generated batches.
    static const std::vector<std::string> names{"d_loss", "g_loss", "d_real", "d_fake"};
    return names;
  }

  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    last_labels_ = real.labels;
    const auto condition = one_hot_labels(real.labels);
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = generate(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)), real.labels);
    }
    opt_d_->zero_grad();
    auto real_logits = discriminator_->forward(real.images, condition);
    auto fake_logits = discriminator_->forward(fake, condition);
    auto loss = gan_d_loss(real_logits, fake_logits);
    loss.backward();
    (*ctx.sync_gradients)(*discriminator_);
    opt_d_->step();
    metrics.add("d_loss", loss);
    metrics.add("d_real", torch::sigmoid(real_logits).mean());
    metrics.add("d_fake", torch::sigmoid(fake_logits).mean());
  }

  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
    opt_g_->zero_grad();
    auto logits = discriminator_->forward(generate(z, last_labels_), one_hot_labels(last_labels_));
    auto loss = gan_g_loss(logits, /*minimax=*/false);  // non-saturating, as CGAN.py
    loss.backward();
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    metrics.add("g_loss", loss);
  }

 private:
  std::shared_ptr<CriticNet> discriminator_;
};

}  // namespace

std::unique_ptr<Variant> make_cgan(const VariantConfig& config) {
  return std::make_unique<CganVariant>(config);
}

}  // namespace ganrun::models
