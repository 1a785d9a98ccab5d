// models/infogan_variant.cpp — InfoGAN (Chen et al. 2016): a 10-way categorical and 2 continuous
// U[-1, 1) codes appended to z (G input z ++ continuous ++ one-hot, the order of infoGAN.py);
// Q is 12 extra outputs of D's last layer (outputs: 0 real/fake logit, 1-2 continuous
// predictions, 3-12 category logits). The information loss CE(category) + MSE(continuous),
// weighted by info_weight, is minimised by both G and D/Q:
// - paper (info_optimizer false): added to the D loss (on the critic step's fakes) and to the
//   G loss;
// - collection (info_optimizer true, infoGAN.py): D and G take their plain GAN steps, then a
//   separate Adam over G's and D's parameters at D's lr steps on the gradients the parameters
//   hold at that point: G's from its GAN loss plus the information loss, D's from its last
//   critic loss plus the G loss (the collection never zeroes them in between) plus the
//   information loss. The information gradient is taken before G's step (pre-update weights).
#include <torch/csrc/autograd/autograd.h>  // torch::autograd::grad
#include <torch/nn/functional/loss.h>      // cross_entropy, mse_loss

#include <memory>
#include <vector>

#include "models/adversarial_losses.h"
#include "models/conditional.h"
#include "models/generator_owner.h"
#include "models/optim.h"
#include "models/run_random.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kCategories = 10;  // the categorical code's classes
constexpr int64_t kContinuous = 2;   // continuous codes, U[-1, 1)
constexpr int64_t kCodeWidth = kCategories + kContinuous;

struct LatentCodes {
  torch::Tensor category;    // int64 [B]
  torch::Tensor continuous;  // [B, 2] in [-1, 1)
};

struct CriticOutputs {
  torch::Tensor source;      // [B] real/fake logit
  torch::Tensor continuous;  // [B, 2]
  torch::Tensor category;    // [B, 10] logits
};

CriticOutputs split(const torch::Tensor& out) {
  return {out.select(1, 0), out.narrow(1, 1, kContinuous),
          out.narrow(1, 1 + kContinuous, kCategories)};
}

torch::Tensor information_loss(const CriticOutputs& out, const LatentCodes& codes) {
  return F::cross_entropy(out.category, codes.category) +
         F::mse_loss(out.continuous, codes.continuous);
}

class InfoganVariant final : public GeneratorOwner {
 public:
  explicit InfoganVariant(const VariantConfig& config)
      : GeneratorOwner(config, generator_spec(config)) {
    NetSpec spec = base_spec(config);
    spec.critic_outputs = 1 + kCodeWidth;
    discriminator_ = make_critic(spec);
    set_critic_net(discriminator_);
    if (config.info_optimizer) {
      // infoGAN.py: optim.Adam(chain(G.parameters(), D.parameters()), lr=args.lrD, betas).
      std::vector<torch::Tensor> params = generator_->parameters();
      for (const auto& p : discriminator_->parameters()) params.push_back(p);
      opt_info_ = make_optimizer(params, config.opt_d);
    }
  }

  const std::vector<std::string>& metric_names() const override {
    // info_loss: CE + MSE on the generator step's fakes (unweighted); cat_acc: how often Q's
    // category logits pick the categorical code they were generated from.
    static const std::vector<std::string> names{"d_loss", "g_loss",    "d_real",
                                                "d_fake", "info_loss", "cat_acc"};
    return names;
  }

  int64_t fixed_noise_rows() const override { return kConditionalGridRows; }
  int64_t samples_per_grid() const override { return kConditionalGridRows * kCategories; }

  // z [R, z_dim] -> R * 10 images, image 10 i + j = noise row i with category j, continuous
  // codes 0 (infoGAN.py's "style by class" grid).
  torch::Tensor sample(const torch::Tensor& z) override {
    const auto grid = class_by_noise_grid(to_run(z), kCategories);
    LatentCodes codes{grid.labels,
                      torch::zeros({grid.noise.size(0), kContinuous}, grid.noise.options())};
    return GeneratorOwner::sample(generator_input(grid.noise, codes));
  }

  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    const auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
    const auto codes = draw_codes(ctx);
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = generator_->forward(generator_input(z, codes));
    }
    opt_d_->zero_grad();
    const auto on_real = split(discriminator_->forward(real.images, {}));
    const auto on_fake = split(discriminator_->forward(fake, {}));
    auto loss = gan_d_loss(on_real.source, on_fake.source);
    if (!config_.info_optimizer)
      loss = loss + config_.info_weight * information_loss(on_fake, codes);
    loss.backward();
    (*ctx.sync_gradients)(*discriminator_);
    opt_d_->step();
    metrics.add("d_loss", loss);
    metrics.add("d_real", torch::sigmoid(on_real.source).mean());
    metrics.add("d_fake", torch::sigmoid(on_fake.source).mean());
  }

  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    generator_->train();
    discriminator_->train();
    const auto z = ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter));
    const auto codes = draw_codes(ctx);
    opt_g_->zero_grad();
    const auto out =
        split(discriminator_->forward(generator_->forward(generator_input(z, codes)), {}));
    const auto gan_loss = gan_g_loss(out.source, /*minimax=*/false);
    const auto info = information_loss(out, codes);
    if (config_.info_optimizer) {
      collection_generator_update(gan_loss, info, ctx);
      metrics.add("g_loss", gan_loss);
    } else {
      auto loss = gan_loss + config_.info_weight * info;
      loss.backward();
      (*ctx.sync_gradients)(*generator_);
      opt_g_->step();
      metrics.add("g_loss", loss);
    }
    metrics.add("info_loss", info);
    metrics.add("cat_acc", out.category.argmax(1).eq(codes.category).to(torch::kFloat64).mean());
  }

 private:
  static NetSpec generator_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.g_inputs = config.z_dim + kCodeWidth;
    return spec;
  }

  // The codes of this update: the category and the continuous codes come from two keys
  // (sub-indices 2i and 2i + 1 of the update i) so that they are independent draws.
  static LatentCodes draw_codes(const StepContext& ctx) {
    const auto sub = 2 * static_cast<uint64_t>(ctx.critic_iter);
    const auto purpose = static_cast<uint64_t>(Purpose::kLatentCode);
    return {ctx.noise->categorical(ctx.step, purpose, sub, kCategories),
            ctx.noise->uniform01(ctx.step, purpose, sub + 1, {kContinuous}) * 2.0 - 1.0};
  }

  torch::Tensor generator_input(const torch::Tensor& z, const LatentCodes& codes) const {
    return torch::cat(
        {z, codes.continuous.to(z.options()), one_hot(codes.category, kCategories, z.options())},
        1);
  }

  void collection_generator_update(const torch::Tensor& gan_loss, const torch::Tensor& info,
                                   const StepContext& ctx) {
    std::vector<torch::Tensor> params = generator_->parameters();
    for (const auto& p : discriminator_->parameters()) params.push_back(p);
    auto info_grads = torch::autograd::grad({config_.info_weight * info}, params, {},
                                            /*retain_graph=*/true, /*create_graph=*/false,
                                            /*allow_unused=*/true);
    gan_loss.backward();  // G's gradients, and D's on top of its last critic update's
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) {
        if (!info_grads[i].defined()) continue;
        auto& grad = params[i].mutable_grad();
        if (grad.defined()) {
          grad.add_(info_grads[i]);
        } else {
          grad = info_grads[i];
        }
      }
    }
    (*ctx.sync_gradients)(*generator_);
    (*ctx.sync_gradients)(*discriminator_);
    opt_info_->step();
  }

  std::shared_ptr<CriticNet> discriminator_;
  std::unique_ptr<torch::optim::Optimizer> opt_info_;
};

}  // namespace

std::unique_ptr<Variant> make_infogan(const VariantConfig& config) {
  return std::make_unique<InfoganVariant>(config);
}

}  // namespace ganrun::models
