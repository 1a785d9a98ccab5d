// models/optim.cpp — the optimiser factory (see header).
#include "models/optim.h"

#include <torch/optim/adam.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <stdexcept>

namespace ganrun::models {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(std::vector<torch::Tensor> params,
                                                        const OptimizerConfig& c) {
  if (c.kind == "adam") {
    return std::make_unique<torch::optim::Adam>(
        std::move(params),
        torch::optim::AdamOptions(c.lr).betas({c.beta1, c.beta2}).weight_decay(c.weight_decay));
  }
  if (c.kind == "rmsprop") {
    return std::make_unique<torch::optim::RMSprop>(std::move(params),
                                                   torch::optim::RMSpropOptions(c.lr)
                                                       .alpha(c.alpha)
                                                       .momentum(c.momentum)
                                                       .weight_decay(c.weight_decay));
  }
  if (c.kind == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        std::move(params),
        torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weight_decay));
  }
  throw std::invalid_argument("unknown optimizer '" + c.kind + "' (known: adam, rmsprop, sgd)");
}

}  // namespace ganrun::models
