// models/wgan_variant.h — WGAN (Arjovsky et al. 2017): a critic without sigmoid trained on
// E[D(G(z))] - E[D(x)], its parameters clipped to [-c, c] after every critic update, and which
// of its parameters count as clipped (`clip: weights|all`).
//
// `weights` clips the weight matrices and kernels only (parameters named "weight" of every
// module that is not a normalisation layer), leaving biases and BatchNorm/LayerNorm scale and
// shift free: the paper's "weights" read literally. `all` clips every critic parameter, as the
// collection's WGAN.py does (`for p in D.parameters(): p.data.clamp_`), and as the paper's own
// code does too (its DCGAN critic has bias-free convolutions, so there "all" means kernels
// plus BatchNorm scale/shift).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "models/generator_owner.h"

namespace ganrun::models {

enum class ClipForm { kWeights, kAll };
ClipForm parse_clip_form(const std::string& name);  // weights | all; throws otherwise

// The parameters of `critic` that `form` clips.
std::vector<torch::Tensor> clipped_parameters(torch::nn::Module& critic, ClipForm form);
// Clamps each tensor to [-c, c] in place (outside autograd).
void clip_in_place(const std::vector<torch::Tensor>& params, double c);
// {min, max} over every element of `params`, as scalar tensors (no host sync).
std::pair<torch::Tensor, torch::Tensor> parameter_range(const std::vector<torch::Tensor>& params);

class WganVariant final : public GeneratorOwner {
 public:
  explicit WganVariant(const VariantConfig& config);

  const std::vector<std::string>& metric_names() const override;
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override;

 private:
  std::shared_ptr<CriticNet> critic_;
  std::vector<torch::Tensor> clipped_;  // the critic parameters `clip` selects
};

}  // namespace ganrun::models
