// models/acgan_variant.cpp — auxiliary-classifier GAN (Odena et al. 2017): G(z ++ one-hot(y)) as
// cgan; D sees no label and has 1 + classes outputs, output 0 the real/fake logit and outputs
// 1.. the class logits. The class cross-entropy on real and fake batches enters both the D and
// the G loss (ACGAN.py: D_loss = BCE_real + CE_real + BCE_fake + CE_fake, G_loss = BCE + CE).
#include <torch/nn/functional/loss.h>  // cross_entropy

#include <memory>

#include "models/adversarial_losses.h"
#include "models/class_conditional.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

struct AcganOutputs {
  torch::Tensor source;   // [B] real/fake logit
  torch::Tensor classes;  // [B, classes] class logits
};

AcganOutputs split(const torch::Tensor& out) {
  return {out.select(1, 0), out.narrow(1, 1, out.size(1) - 1)};
}

torch::Tensor accuracy(const torch::Tensor& class_logits, const torch::Tensor& labels) {
  return class_logits.argmax(1).eq(labels).to(torch::kFloat64).mean();
}

class AcganVariant final : public ClassConditionalVariant {
 public:
  explicit AcganVariant(const VariantConfig& config) : ClassConditionalVariant(config) {
    NetSpec spec = base_spec(config);
    spec.critic_outputs = 1 + config.classes;
    discriminator_ = make_critic(spec);
    set_critic_net(discriminator_);
  }

  const std::vector<std::string>& metric_names() const override {
    // acc_real / acc_fake: the class head's accuracy on the real batch and on the fakes (whose
    // intended class is the real batch's label), in the critic updates.
    static const std::vector<std::string> names{"d_loss", "g_loss",   "d_real",
                                                "d_fake", "acc_real", "acc_fake"};
    return names;
  }

  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    last_labels_ = real.labels;
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = generate(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)), real.labels);
    }
    opt_d_->zero_grad();
    const auto on_real = split(discriminator_->forward(real.images, {}));
    const auto on_fake = split(discriminator_->forward(fake, {}));
    auto loss = gan_d_loss(on_real.source, on_fake.source) +
                F::cross_entropy(on_real.classes, real.labels) +
                F::cross_entropy(on_fake.classes, real.labels);
    loss.backward();
    (*ctx.sync_gradients)(*discriminator_);
    opt_d_->step();
    metrics.add("d_loss", loss);
    metrics.add("d_real", torch::sigmoid(on_real.source).mean());
    metrics.add("d_fake", torch::sigmoid(on_fake.source).mean());
    metrics.add("acc_real", accuracy(on_real.classes, real.labels));
    metrics.add("acc_fake", accuracy(on_fake.classes, real.labels));
  }

  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
    opt_g_->zero_grad();
    const auto out = split(discriminator_->forward(generate(z, last_labels_), {}));
    auto loss =
        gan_g_loss(out.source, /*minimax=*/false) + F::cross_entropy(out.classes, last_labels_);
    loss.backward();
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    metrics.add("g_loss", loss);
  }

 private:
  std::shared_ptr<CriticNet> discriminator_;
};

}  // namespace

std::unique_ptr<Variant> make_acgan(const VariantConfig& config) {
  return std::make_unique<AcganVariant>(config);
}

}  // namespace ganrun::models
