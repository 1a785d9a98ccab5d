// models/optim.h — one optimiser per net, chosen by the run's settings (adam | rmsprop | sgd),
// so the 2-D studies' optimiser comparisons and WGAN's RMSprop recipe are settings, not code.
#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

#include "models/variant.h"

namespace ganrun::models {

// Throws std::invalid_argument for an unknown kind.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(std::vector<torch::Tensor> params,
                                                        const OptimizerConfig& config);

}  // namespace ganrun::models
