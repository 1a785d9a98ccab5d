// models/init.cpp — keyed default initialisation (see header).
#include "models/init.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <stdexcept>

#include "models/run_random.h"

namespace ganrun::models {

void init_default(torch::nn::Module& module, uint64_t seed, uint64_t net_index) {
  auto gen = keyed_generator(seed, 0, Purpose::kInit, net_index);
  torch::NoGradGuard no_grad;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto uniform_into = [&](torch::Tensor& target, double bound) {
    auto draw = at::empty(target.sizes(), f64).uniform_(-bound, bound, gen);
    target.copy_(draw);
  };
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = child->as<torch::nn::LinearImpl>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(linear->options.in_features()));
      uniform_into(linear->weight, bound);
      if (linear->bias.defined()) uniform_into(linear->bias, bound);
    } else if (auto* bn = child->as<torch::nn::BatchNorm1dImpl>()) {
      bn->reset_parameters();
    } else if (child->parameters(/*recurse=*/false).size() > 0) {
      throw std::logic_error("init_default: no keyed initialisation for module " + child->name());
    }
  }
}

}  // namespace ganrun::models
