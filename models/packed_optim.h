// models/packed_optim.h — the optimiser of a packed net (models/pack_ops.h): one pass over the
// stacked parameters in which each member has its own learning rate and Adam betas (the keys a
// pack may vary), as [K, 1] tensors broadcast over each member's block of every parameter.
//
// Why not LibTorch's optimisers: their hyper-parameters are per parameter group and scalar,
// and a member is a block of every parameter, not a group of parameters. The update is written
// out with tensor operations in the order LibTorch's Adam, RMSprop and SGD apply it, so a
// member's parameters follow its unpacked run's to rounding. The bias corrections use a step
// counter kept on the device, so a step never reads a value back to the host (CUDA graphs).
// A frozen member (one that diverged) gets no update from then on.
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <vector>

#include "models/variant.h"

namespace ganrun::models {

class PackedOptimizer final : public torch::optim::Optimizer {
 public:
  // `members`: one config per member; kind and the non-varying settings are members[0]'s (a
  // pack never varies them). Throws std::invalid_argument for an unknown kind.
  PackedOptimizer(std::vector<torch::Tensor> params, std::vector<OptimizerConfig> members);

  torch::Tensor step(LossClosure closure = nullptr) override;
  // Masks member `k`'s updates from the next step on.
  void freeze(int64_t member);
  // Each member's learning rate, [K, 1] on the parameters' device: a schedule changes it in
  // place (BEGAN's collection rule), with no host read.
  torch::Tensor learning_rates();
  // Checkpoints: the moments, the device-side step count, the learning rates (in place: a
  // schedule holding learning_rates() keeps them) and the frozen members.
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  struct Slot {  // per parameter: the moments (Adam), square average (RMSprop), momentum buffer
    torch::Tensor first, second;
  };
  void prepare(const torch::Tensor& like);
  torch::Tensor per_member(const std::vector<double>& values, const torch::Tensor& like) const;

  std::vector<OptimizerConfig> members_;
  std::vector<Slot> slots_;
  torch::Tensor lr_, beta1_, beta2_;  // [K, 1] in the parameters' dtype and device
  torch::Tensor one_minus_beta1_, one_minus_beta2_;
  torch::Tensor scratch_;  // the largest parameter's size: each update's temporaries
  torch::Tensor steps_;    // Adam's step count, on the device
  torch::Tensor active_;   // bool [K, 1]
  bool any_frozen_ = false;
  int64_t host_steps_ = 0;  // SGD's first step starts its momentum buffer from the gradient
};

}  // namespace ganrun::models
