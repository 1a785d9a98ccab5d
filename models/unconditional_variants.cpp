// models/unconditional_variants.cpp — the five variants that differ only in their losses over
// the one single-critic step (models/single_critic_step.h): G(z), a critic scoring images, no
// labels. Each supplies its critic loss with its penalty or constraint, its generator loss and
// its metrics; the pure loss functions live in adversarial_losses.h and penalties.h, where the
// tests check them on hand-made tensors.
//
// - gan (Goodfellow et al. 2014) as BCE with logits: D maximises log D(x) + log(1 - D(G(z)));
//   G maximises log D(G(z)) (`g_loss: nonsat`, default) or minimises log(1 - D(G(z)))
//   (`g_loss: minimax`, as the 2-D studies used).
// - lsgan (Mao et al. 2017) with a = 0, b = c = 1: D regresses its raw output to 1 on real and
//   0 on generated samples, G pushes D(G(z)) toward 1 (`ls_scale: half`, the paper's 1/2; `one`
//   as LSGAN.py's MSELoss).
// - wgan (Arjovsky et al. 2017): a critic without sigmoid trained on E[D(G(z))] - E[D(x)], its
//   parameters clipped to [-c, c] after every critic update (`clip`, `clip_value`).
// - wgan-gp (Gulrajani et al. 2017, Algorithm 1): the WGAN critic loss plus
//   lambda (||grad D(x_hat)||_2 - 1)^2 at x_hat = a x + (1 - a) G(z), a ~ U[0, 1) per sample. No
//   clipping; the critic's normalisation is `critic_norm` (the paper forbids BatchNorm: the
//   penalty is per sample).
// - dragan (Kodali et al. 2017): the GAN loss plus the same penalty at x_hat = x + a (x_p - x),
//   x_p = x + 0.5 std(x) u, u ~ U[0, 1) elementwise, std(x) one scalar over the global batch;
//   the gradient is of D's logit, or of its sigmoid under `penalty_output: sigmoid` (DRAGAN.py).
#include <memory>
#include <stdexcept>
#include <string>

#include "models/adversarial_losses.h"
#include "models/pack_ops.h"
#include "models/penalties.h"
#include "models/single_critic_step.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

// d_real / d_fake: mean D output on real and generated batches (after the sigmoid for the
// BCE variants, raw for lsgan, whose targets are 1 and 0).
const std::vector<std::string> kScoreMetrics{"d_loss", "g_loss", "d_real", "d_fake"};

// Builds G(z) and a critic of the run's architecture, both from the run's base spec.
class UnconditionalVariant : public ImageCriticVariant {
 protected:
  UnconditionalVariant(const VariantConfig& config, std::vector<std::string> metrics)
      : ImageCriticVariant(config, base_spec(config), base_spec(config), std::move(metrics)) {}

  // The critic's output as the raw-output losses (wgan, wgan-gp, lsgan) see it: raw, or its
  // sigmoid under `critic_output: sigmoid` (make_variant allows that for those three only).
  torch::Tensor bounded(const torch::Tensor& raw) const {
    return config_.critic_output == "sigmoid" ? torch::sigmoid(raw) : raw;
  }
  torch::Tensor critic_output(const torch::Tensor& x, const FakeInputs& inputs) {
    return bounded(score(x, inputs));
  }
};

class Gan final : public UnconditionalVariant {
 public:
  explicit Gan(const VariantConfig& config) : UnconditionalVariant(config, kScoreMetrics) {}

 private:
  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    return bce_critic_loss(u, metrics);
  }
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    // non-saturating: maximise log D(G(z)); minimax: minimise log(1 - D(G(z))) = -BCE(l, 0).
    return gan_g_loss(score(fake, inputs), config_.g_loss == "minimax", members());
  }
};

// `ls_scale: one` (LSGAN.py's MSELoss): both losses without the paper's 1/2, i.e. doubled.
class Lsgan final : public UnconditionalVariant {
 public:
  explicit Lsgan(const VariantConfig& config)
      : UnconditionalVariant(config, kScoreMetrics), factor_(loss_factor(config.ls_scale)) {}

 private:
  static double loss_factor(const std::string& ls_scale) {
    require_one_of("lsgan", "ls_scale", ls_scale, "half", "one");
    return ls_scale == "one" ? 2.0 : 1.0;
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto real_out = critic_output(u.real.images, u.inputs);
    const auto fake_out = critic_output(u.fake, u.inputs);
    metrics.add("d_real", member_mean(real_out, members()));
    metrics.add("d_fake", member_mean(fake_out, members()));
    return factor_ * lsgan_d_loss(real_out, fake_out, members());
  }
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    return factor_ * lsgan_g_loss(critic_output(fake, inputs), members());
  }

  double factor_;  // 1 (the paper's halved squares) or 2 (ls_scale: one)
};

// The critic losses of wgan and wgan-gp share the generator loss -E[D(G(z))].
class WassersteinVariant : public UnconditionalVariant {
 protected:
  using UnconditionalVariant::UnconditionalVariant;
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    return wgan_g_loss(critic_output(fake, inputs), members());
  }
};

class Wgan final : public WassersteinVariant {
 public:
  // critic_min / critic_max: range of the clipped critic parameters after the clip.
  explicit Wgan(const VariantConfig& config)
      : WassersteinVariant(config, {"d_loss", "g_loss", "wasserstein", "critic_min", "critic_max"}),
        clipped_(clipped_parameters(*critic_, parse_clip_form(config.clip))) {
    if (clipped_.empty())
      throw std::invalid_argument("clip '" + config.clip + "' selects no parameter of the critic");
  }

 private:
  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto real_out = critic_output(u.real.images, u.inputs);
    const auto fake_out = critic_output(u.fake, u.inputs);
    metrics.add("wasserstein", wasserstein_estimate(real_out, fake_out, members()));
    return wgan_critic_loss(real_out, fake_out, members());
  }
  void after_critic_update(MetricAccumulator& metrics) override {
    clip_in_place(clipped_, config_.clip_value);
    const auto [lo, hi] = parameter_range(clipped_, members());
    metrics.add("critic_min", lo);
    metrics.add("critic_max", hi);
  }

  std::vector<torch::Tensor> clipped_;  // the critic parameters `clip` selects
};

class WganGp final : public WassersteinVariant {
 public:
  // gp: the penalty term (lambda included); grad_norm: mean ||grad D(x_hat)||.
  explicit WganGp(const VariantConfig& config)
      : WassersteinVariant(config, {"d_loss", "g_loss", "gp", "wasserstein", "grad_norm"}) {}

 private:
  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto real_out = critic_output(u.real.images, u.inputs);
    const auto fake_out = critic_output(u.fake, u.inputs);
    const auto points =
        wgan_gp_points(u.real.images, u.fake, *u.ctx.noise, u.ctx.step, u.ctx.critic_iter);
    const auto norms = input_gradient_norms(
        [this](const torch::Tensor& x) { return bounded(critic_->forward(x, {})); }, points,
        members());
    const auto gp = unit_gradient_penalty(norms, config_.gp_lambda, members());
    metrics.add("gp", gp);
    metrics.add("wasserstein", wasserstein_estimate(real_out, fake_out, members()));
    metrics.add("grad_norm", member_mean(norms, members()));
    return wgan_critic_loss(real_out, fake_out, members()) + gp;
  }
};

class Dragan final : public UnconditionalVariant {
 public:
  // gp: the penalty term (lambda included); d_real / d_fake as for gan, so the analysis can
  // follow D's dominance over the perturbed-real penalty's variant too.
  explicit Dragan(const VariantConfig& config)
      : UnconditionalVariant(config, {"d_loss", "g_loss", "d_real", "d_fake", "gp"}) {
    require_one_of("dragan", "penalty_output", config.penalty_output, "logit", "sigmoid");
  }

 private:
  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto real_logits = score(u.real.images, u.inputs);
    const auto fake_logits = score(u.fake, u.inputs);
    const auto points =
        dragan_points(u.real.images, *u.ctx.reducer, *u.ctx.noise, u.ctx.step, u.ctx.critic_iter)
            .points;
    // `penalty_output: sigmoid`: DRAGAN.py differentiates D's output after its nn.Sigmoid.
    const bool on_sigmoid = config_.penalty_output == "sigmoid";
    const auto norms = input_gradient_norms(
        [this, on_sigmoid](const torch::Tensor& x) {
          const auto logits = critic_->forward(x, {});
          return on_sigmoid ? torch::sigmoid(logits) : logits;
        },
        points, members());
    const auto gp = unit_gradient_penalty(norms, config_.gp_lambda, members());
    metrics.add("d_real", member_mean(torch::sigmoid(real_logits), members()));
    metrics.add("d_fake", member_mean(torch::sigmoid(fake_logits), members()));
    metrics.add("gp", gp);
    return gan_d_loss(real_logits, fake_logits, members()) + gp;
  }
  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator&) override {
    return gan_g_loss(score(fake, inputs), config_.g_loss == "minimax", members());
  }
};

}  // namespace

std::unique_ptr<Variant> make_gan(const VariantConfig& c) { return std::make_unique<Gan>(c); }
std::unique_ptr<Variant> make_lsgan(const VariantConfig& c) { return std::make_unique<Lsgan>(c); }
std::unique_ptr<Variant> make_wgan(const VariantConfig& c) { return std::make_unique<Wgan>(c); }
std::unique_ptr<Variant> make_wgan_gp(const VariantConfig& c) {
  return std::make_unique<WganGp>(c);
}
std::unique_ptr<Variant> make_dragan(const VariantConfig& c) { return std::make_unique<Dragan>(c); }

}  // namespace ganrun::models
