// models/class_conditional_variants.cpp — the label-conditioned variants over the one
// single-critic step (models/single_critic_step.h). Both feed G z ++ one-hot(label), use the real
// batch's labels for the fakes of a step (the critic updates' own, and the last critic update's
// for the generator update, as the collection's CGAN.py / ACGAN.py do), and draw their sample
// grid as the collection's 10 noise rows x classes.
//
// - cgan (Mirza & Osindero 2014): D(x, y) sees the label as a one-hot condition (the critic net
//   concatenates it for MLPs and appends label planes for conv nets); BCE with logits,
//   non-saturating G loss.
// - acgan (Odena et al. 2017): D sees no label and has 1 + classes outputs, output 0 the
//   real/fake logit and outputs 1.. the class logits. The class cross-entropy on real and fake
//   batches enters both losses (ACGAN.py: D_loss = BCE_real + CE_real + BCE_fake + CE_fake,
//   G_loss = BCE + CE).
//
// Packed (models/pack_ops.h): each member's labels are its own real batch's, a column of the
// [B, K] label tensor; the one-hot condition and the label planes go into each member's block.
#include <memory>

#include "models/adversarial_losses.h"
#include "models/conditional.h"
#include "models/pack_ops.h"
#include "models/single_critic_step.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

// The generator side both share; `condition_critic` says whether D sees the label (cgan).
class ClassConditionalVariant : public ImageCriticVariant {
 public:
  int64_t fixed_noise_rows() const override { return kConditionalGridRows; }
  int64_t samples_per_grid() const override { return kConditionalGridRows * config_.classes; }
  // z [R, z_dim] -> R * classes images, image classes*i + j = noise row i with class j.
  torch::Tensor sample(const torch::Tensor& z) override {
    const auto grid = class_by_noise_grid(to_run(z), config_.classes);
    return GeneratorOwner::sample(with_one_hot(grid.noise, grid.labels, config_.classes));
  }

 protected:
  ClassConditionalVariant(const VariantConfig& config, const NetSpec& critic_spec,
                          bool condition_critic, std::vector<std::string> metrics)
      : ImageCriticVariant(config, generator_spec(config), critic_spec, std::move(metrics)),
        condition_critic_(condition_critic) {}

  FakeInputs fake_inputs(const StepContext& ctx, const RealBatch* real) override {
    if (real != nullptr) last_labels_ = real->labels;
    FakeInputs inputs;
    inputs.labels = last_labels_;
    inputs.generator_input =
        with_one_hot(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)), last_labels_,
                     config_.classes, members());
    if (condition_critic_)
      inputs.condition =
          one_hot(last_labels_, config_.classes,
                  torch::TensorOptions().dtype(config_.dtype).device(config_.device));
    return inputs;
  }

 private:
  static NetSpec generator_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.g_inputs = config.z_dim + config.classes;
    return spec;
  }

  bool condition_critic_;
  torch::Tensor last_labels_;  // labels of the last real batch the critic saw ([B, K] packed)
};

class Cgan final : public ClassConditionalVariant {
 public:
  // d_real / d_fake: mean D output (after the sigmoid) on real and generated batches.
  explicit Cgan(const VariantConfig& config)
      : ClassConditionalVariant(config, critic_spec(config), /*condition_critic=*/true,
                                {"d_loss", "g_loss", "d_real", "d_fake"}) {}

 private:
  static NetSpec critic_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.cond_classes = config.classes;
    return spec;
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    return bce_critic_loss(u, metrics);
  }
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    // non-saturating, as CGAN.py
    return gan_g_loss(score(fake, inputs), /*minimax=*/false, members());
  }
};

class Acgan final : public ClassConditionalVariant {
 public:
  // acc_real / acc_fake: the class head's accuracy on the real batch and on the fakes (whose
  // intended class is the real batch's label), in the critic updates.
  explicit Acgan(const VariantConfig& config)
      : ClassConditionalVariant(config, critic_spec(config), /*condition_critic=*/false,
                                {"d_loss", "g_loss", "d_real", "d_fake", "acc_real", "acc_fake"}) {}

 private:
  struct Outputs {
    torch::Tensor source;   // [B] real/fake logit ([B, K] packed)
    torch::Tensor classes;  // [B, classes] class logits ([B, K*classes] packed)
  };

  static NetSpec critic_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.critic_outputs = 1 + config.classes;
    return spec;
  }
  Outputs split_scores(const torch::Tensor& x, const FakeInputs& inputs) {
    const auto out = score(x, inputs);
    const int64_t k = members();
    if (k == 1) return {out.select(1, 0), out.narrow(1, 1, out.size(1) - 1)};
    return {member_columns(out, 0, 1, k), member_columns(out, 1, config_.classes, k)};
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto on_real = split_scores(u.real.images, u.inputs);
    const auto on_fake = split_scores(u.fake, u.inputs);
    const auto& labels = u.real.labels;
    const int64_t k = members();
    metrics.add("d_real", member_mean(torch::sigmoid(on_real.source), k));
    metrics.add("d_fake", member_mean(torch::sigmoid(on_fake.source), k));
    metrics.add("acc_real", member_accuracy(on_real.classes, labels, k));
    metrics.add("acc_fake", member_accuracy(on_fake.classes, labels, k));
    return gan_d_loss(on_real.source, on_fake.source, k) +
           member_cross_entropy(on_real.classes, labels, k) +
           member_cross_entropy(on_fake.classes, labels, k);
  }
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    const auto out = split_scores(fake, inputs);
    return gan_g_loss(out.source, /*minimax=*/false, members()) +
           member_cross_entropy(out.classes, inputs.labels, members());
  }
};

}  // namespace

std::unique_ptr<Variant> make_cgan(const VariantConfig& c) { return std::make_unique<Cgan>(c); }
std::unique_ptr<Variant> make_acgan(const VariantConfig& c) { return std::make_unique<Acgan>(c); }

}  // namespace ganrun::models
