// models/wgan_variant.cpp — WGAN update steps and weight clipping (see header).
#include "models/wgan_variant.h"

#include <torch/nn/modules/batchnorm.h>      // BatchNorm1dImpl, BatchNorm2dImpl
#include <torch/nn/modules/instancenorm.h>   // InstanceNorm1dImpl, InstanceNorm2dImpl
#include <torch/nn/modules/normalization.h>  // LayerNormImpl, GroupNormImpl

#include <stdexcept>

#include "models/adversarial_losses.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

bool is_normalisation(torch::nn::Module& m) {
  return m.as<torch::nn::BatchNorm1dImpl>() != nullptr ||
         m.as<torch::nn::BatchNorm2dImpl>() != nullptr ||
         m.as<torch::nn::LayerNormImpl>() != nullptr ||
         m.as<torch::nn::GroupNormImpl>() != nullptr ||
         m.as<torch::nn::InstanceNorm1dImpl>() != nullptr ||
         m.as<torch::nn::InstanceNorm2dImpl>() != nullptr;
}

}  // namespace

ClipForm parse_clip_form(const std::string& name) {
  if (name == "weights") return ClipForm::kWeights;
  if (name == "all") return ClipForm::kAll;
  throw std::invalid_argument("unknown clip '" + name + "' (known: weights, all)");
}

std::vector<torch::Tensor> clipped_parameters(torch::nn::Module& critic, ClipForm form) {
  if (form == ClipForm::kAll) return critic.parameters();
  std::vector<torch::Tensor> weights;
  for (const auto& module : critic.modules(/*include_self=*/true)) {
    if (is_normalisation(*module)) continue;
    for (const auto& item : module->named_parameters(/*recurse=*/false))
      if (item.key() == "weight") weights.push_back(item.value());
  }
  return weights;
}

void clip_in_place(const std::vector<torch::Tensor>& params, double c) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params) p.clamp_(-c, c);
}

std::pair<torch::Tensor, torch::Tensor> parameter_range(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> mins, maxs;
  for (const auto& p : params) {
    mins.push_back(p.min());
    maxs.push_back(p.max());
  }
  return {torch::stack(mins).min(), torch::stack(maxs).max()};
}

std::unique_ptr<Variant> make_wgan(const VariantConfig& config) {
  return std::make_unique<WganVariant>(config);
}

WganVariant::WganVariant(const VariantConfig& config) : GeneratorOwner(config, base_spec(config)) {
  critic_ = make_critic(base_spec(config));
  set_critic_net(critic_);
  clipped_ = clipped_parameters(*critic_, parse_clip_form(config.clip));
  if (clipped_.empty())
    throw std::invalid_argument("clip '" + config.clip + "' selects no parameter of the critic");
}

const std::vector<std::string>& WganVariant::metric_names() const {
  // critic_min / critic_max: range of the clipped critic parameters after the clip.
  static const std::vector<std::string> names{"d_loss", "g_loss", "wasserstein", "critic_min",
                                              "critic_max"};
  return names;
}

void WganVariant::discriminator_step(const RealBatch& real, const StepContext& ctx,
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
  auto loss = wgan_critic_loss(real_out, fake_out);
  loss.backward();
  (*ctx.sync_gradients)(*critic_);
  opt_d_->step();
  clip_in_place(clipped_, config_.clip_value);
  const auto [lo, hi] = parameter_range(clipped_);
  metrics.add("d_loss", loss);
  metrics.add("wasserstein", wasserstein_estimate(real_out, fake_out));
  metrics.add("critic_min", lo);
  metrics.add("critic_max", hi);
}

void WganVariant::generator_step(const StepContext& ctx, MetricAccumulator& metrics) {
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
