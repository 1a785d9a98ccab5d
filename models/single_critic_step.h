// models/single_critic_step.h — the critic update and the generator update that every variant
// runs, written once. A variant has one generator and one critic-side net (a critic scoring
// images, or an auto-encoder for EBGAN/BEGAN) with one optimiser each; it supplies only what
// differs: the generator's inputs (z, plus labels or latent codes), its losses with their
// penalties, and the metrics it records. The packed runs of the speed stage stack exactly this
// step. Knows nothing of ranks: a data-parallel run enters through the StepContext's reducer and
// gradient hook.
//
// A critic update:   inputs = fake_inputs(ctx, &real); fake = G(inputs) without G's graph;
//                    zero D's grads; loss = critic_loss(...); backward; sync D; step D;
//                    after_critic_update; record d_loss.
// A generator update: inputs = fake_inputs(ctx, nullptr) (or, under `generator_noise: reused`,
//                    the inputs of the step's last critic update); zero G's grads; fake =
//                    G(inputs); loss = generator_loss(...); apply_generator_loss (backward, sync G,
//                    step G); record g_loss.
#pragma once

#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "models/generator_owner.h"

namespace ganrun::models {

// What the generator is fed in one update, and what the losses need to know about it.
struct FakeInputs {
  torch::Tensor generator_input;  // [B, g_inputs]: z, or z with a one-hot label or latent codes
  torch::Tensor condition;        // one-hot [B, classes] the critic is conditioned on (cgan)
  torch::Tensor labels;           // int64 [B]: the class each fake should show (cgan, acgan) or the
                                  // categorical code it was made from (infogan); else undefined
  torch::Tensor continuous;       // [B, k]: infogan's continuous codes; else undefined
};

// The loss an update minimises and the value recorded for it. They differ only where a
// batch-wide term is scaled for data-parallel gradients (coupled_scale, EBGAN); a plain tensor
// converts to a loss recorded as it is.
struct UpdateLoss {
  UpdateLoss(torch::Tensor loss) : minimised(loss), recorded(std::move(loss)) {}  // NOLINT
  UpdateLoss(torch::Tensor minimised_loss, torch::Tensor recorded_loss)
      : minimised(std::move(minimised_loss)), recorded(std::move(recorded_loss)) {}
  torch::Tensor minimised;
  torch::Tensor recorded;
};

// What a critic update's loss sees.
struct CriticUpdate {
  const RealBatch& real;
  const torch::Tensor& fake;  // G(inputs.generator_input), without G's graph
  const FakeInputs& inputs;
  const StepContext& ctx;
};

class SingleCriticVariant : public GeneratorOwner {
 public:
  const std::vector<std::string>& metric_names() const final { return metric_names_; }
  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) final;
  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) final;

 protected:
  // `metrics`: the names stored besides step and wall_s, in file order; d_loss and g_loss are
  // recorded here, the others by the variant's hooks.
  SingleCriticVariant(const VariantConfig& config, const NetSpec& generator_spec,
                      std::vector<std::string> metrics);

  // G's inputs for update ctx.critic_iter (the generator update has critic_iter = n_critic, and
  // is not asked under `generator_noise: reused`);
  // `real` is the critic update's real batch, nullptr in the generator update. Default: z only.
  virtual FakeInputs fake_inputs(const StepContext& ctx, const RealBatch* real);
  // The critic's loss for one update; records the variant's own metrics of that update.
  virtual UpdateLoss critic_loss(const CriticUpdate& update, MetricAccumulator& metrics) = 0;
  // The generator's loss on `fake` = G(inputs) (with G's graph).
  virtual UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs,
                                    const StepContext& ctx, MetricAccumulator& metrics) = 0;
  // After the critic's optimiser step (WGAN clips its weights here).
  virtual void after_critic_update(MetricAccumulator& metrics) {}
  // Turns the generator's loss into parameter updates: backward, average G's gradients across
  // the run's processes, step G. InfoGAN's collection form overrides it.
  virtual void apply_generator_loss(const UpdateLoss& loss, const StepContext& ctx);

 private:
  std::vector<std::string> metric_names_;
  FakeInputs last_critic_inputs_;  // generator_noise: reused (the last critic update's inputs)
};

// The variants whose critic-side net is a CriticNet scoring each image: all but EBGAN and BEGAN,
// whose critic is an auto-encoder.
class ImageCriticVariant : public SingleCriticVariant {
 protected:
  // Builds G from generator_spec, then the critic from critic_spec (in that order: each net's
  // initialisation is keyed by its own index, the order keeps construction as it always was).
  ImageCriticVariant(const VariantConfig& config, const NetSpec& generator_spec,
                     const NetSpec& critic_spec, std::vector<std::string> metrics);
  // The critic's raw outputs on x, conditioned as the update's inputs say.
  torch::Tensor score(const torch::Tensor& x, const FakeInputs& inputs) {
    return critic_->forward(x, inputs.condition);
  }
  // The GAN critic loss (BCE with logits) on the update's real and fake batch; records D's mean
  // output after the sigmoid on each as d_real / d_fake (gan, cgan).
  torch::Tensor bce_critic_loss(const CriticUpdate& update, MetricAccumulator& metrics);

  std::shared_ptr<CriticNet> critic_;
};

}  // namespace ganrun::models
