// models/generator_owner.h — what every variant holds: the generator net, its optimiser and
// the critic-side net and optimiser, eval-mode sampling, and the generator's state for the run
// file. The update steps over these nets are models/single_critic_step.h's.
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/nets.h"
#include "models/variant.h"

namespace ganrun::models {

// Net indices for keyed initialisation (part of the init key: stable, they change results).
inline constexpr uint64_t kGeneratorNet = 0;
inline constexpr uint64_t kDiscriminatorNet = 1;

class GeneratorOwner : public Variant {
 public:
  // Builds and initialises the generator for `spec` (spec.g_inputs inputs) and its optimiser.
  GeneratorOwner(const VariantConfig& config, const NetSpec& spec);

  torch::Tensor sample(const torch::Tensor& z) override;  // unconditional: G(z) in eval mode
  NamedTensors generator_state() override;
  void load_generator_state(const NamedTensors& state) override;
  std::vector<std::shared_ptr<torch::nn::Module>> networks() override;
  void freeze_member(int64_t member) override;
  std::string graph_refusal() const override;
  void use_capturable_optimizers() override { device_learning_rates(); }
  void save_training_state(torch::serialize::OutputArchive& archive) override;
  void load_training_state(torch::serialize::InputArchive& archive) override;

 protected:
  // Registers the critic-side net (D, the critic or the auto-encoder), initialises it with the
  // architecture's rule and builds its optimiser from config.opt_d.
  void set_critic_net(std::shared_ptr<torch::nn::Module> net);
  // The NetSpec every variant starts from: the run's arch, data shape and g_inputs = z_dim.
  static NetSpec base_spec(const VariantConfig& config);
  // The learning rates of G's and of D's optimiser as device tensors, [K, 1] (one row per
  // member), which a schedule changes in place without a host read. An unpacked run's LibTorch
  // optimisers are replaced (before any step) by the packed optimiser with one member, which
  // applies the same update (models/packed_optim.h); a second call returns the same tensors.
  std::pair<torch::Tensor, torch::Tensor> device_learning_rates();
  // An optimiser over `params` with D's settings (each member's, packed): InfoGAN's separate one.
  std::unique_ptr<torch::optim::Optimizer> optimizer_with_critic_settings(
      std::vector<torch::Tensor> params) const;
  // G's output in eval mode / train mode, at the run's device and dtype.
  torch::Tensor to_run(const torch::Tensor& t) const;
  // A tensor of a variant's own state into / out of a checkpoint: written when defined; read
  // in place into `target` when it is defined (tensors other code holds stay the same), else
  // assigned; a key the archive lacks leaves target as it is.
  static void save_tensor(torch::serialize::OutputArchive& archive, const std::string& key,
                          const torch::Tensor& t);
  static void load_tensor(torch::serialize::InputArchive& archive, const std::string& key,
                          torch::Tensor& target);
  // Grid points stacked into this variant's nets (1: unpacked; models/pack_ops.h).
  int64_t members() const { return config_.members(); }

  VariantConfig config_;
  std::shared_ptr<GeneratorNet> generator_;
  std::shared_ptr<torch::nn::Module> critic_net_;
  std::unique_ptr<torch::optim::Optimizer> opt_g_, opt_d_;
};

}  // namespace ganrun::models
