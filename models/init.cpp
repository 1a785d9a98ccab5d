// models/init.cpp — keyed default and collection initialisation (see header).
#include "models/init.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>  // LayerNorm

#include <cmath>
#include <optional>
#include <stdexcept>

#include "models/run_random.h"

namespace ganrun::models {
namespace {

constexpr double kCollectionWeightStd = 0.02;  // utils.initialize_weights: normal_(0, 0.02)

const torch::TensorOptions kDrawOptions = torch::TensorOptions().dtype(torch::kFloat64);

// Norm layers start as the identity (weight 1, bias 0, fresh running statistics) under both
// rules, BatchNorm weights drawn from U(0, 1) by `bn_weights` instead when it is given; true
// when `child` is a norm layer (and was reset).
bool reset_norm(torch::nn::Module& child, torch::Generator* bn_weights) {
  auto draw_gamma = [&](torch::Tensor& weight) {
    if (bn_weights != nullptr && weight.defined())
      weight.copy_(at::empty(weight.sizes(), kDrawOptions).uniform_(0.0, 1.0, *bn_weights));
  };
  if (auto* bn1 = child.as<torch::nn::BatchNorm1dImpl>()) {
    bn1->reset_parameters();
    draw_gamma(bn1->weight);
  } else if (auto* bn2 = child.as<torch::nn::BatchNorm2dImpl>()) {
    bn2->reset_parameters();
    draw_gamma(bn2->weight);
  } else if (auto* ln = child.as<torch::nn::LayerNormImpl>()) {
    ln->reset_parameters();
  } else {
    return false;
  }
  return true;
}

void reject_unknown(const torch::nn::Module& child, const char* rule) {
  if (child.parameters(/*recurse=*/false).size() > 0)
    throw std::logic_error(std::string(rule) + ": no keyed initialisation for module " +
                           child.name());
}

// The U(0, 1) BatchNorm weights' own generator (key step 1: the layer draws use step 0).
std::optional<torch::Generator> norm_weight_generator(NormInit norm_init, uint64_t seed,
                                                      uint64_t net_index) {
  if (norm_init == NormInit::kOnes) return std::nullopt;
  return keyed_generator(seed, 1, Purpose::kInit, net_index);
}

}  // namespace

NormInit parse_norm_init(const std::string& name) {
  if (name == "ones") return NormInit::kOnes;
  if (name == "uniform") return NormInit::kUniform;
  throw std::invalid_argument("unknown bn_init '" + name + "' (known: ones, uniform)");
}

void init_default(torch::nn::Module& module, uint64_t seed, uint64_t net_index,
                  NormInit norm_init) {
  auto gen = keyed_generator(seed, 0, Purpose::kInit, net_index);
  auto bn_gen = norm_weight_generator(norm_init, seed, net_index);
  torch::NoGradGuard no_grad;
  auto uniform_into = [&](torch::Tensor& target, double bound) {
    target.copy_(at::empty(target.sizes(), kDrawOptions).uniform_(-bound, bound, gen));
  };
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = child->as<torch::nn::LinearImpl>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(linear->options.in_features()));
      uniform_into(linear->weight, bound);
      if (linear->bias.defined()) uniform_into(linear->bias, bound);
    } else if (auto* conv = child->as<torch::nn::Conv2dImpl>()) {
      // kaiming_uniform(a = sqrt 5) reduces to the same 1/sqrt(fan_in) bound as Linear's.
      const auto& k = conv->options.kernel_size();
      const double fan_in = static_cast<double>(conv->options.in_channels() /
                                                conv->options.groups() * (*k)[0] * (*k)[1]);
      uniform_into(conv->weight, 1.0 / std::sqrt(fan_in));
      if (conv->bias.defined()) uniform_into(conv->bias, 1.0 / std::sqrt(fan_in));
    } else if (!reset_norm(*child, bn_gen ? &*bn_gen : nullptr)) {
      reject_unknown(*child, "init_default");
    }
  }
}

void init_collection(torch::nn::Module& module, uint64_t seed, uint64_t net_index,
                     NormInit norm_init) {
  auto gen = keyed_generator(seed, 0, Purpose::kInit, net_index);
  auto bn_gen = norm_weight_generator(norm_init, seed, net_index);
  torch::NoGradGuard no_grad;
  auto init_layer = [&](torch::Tensor& weight, torch::Tensor& bias) {
    weight.copy_(at::empty(weight.sizes(), kDrawOptions).normal_(0.0, kCollectionWeightStd, gen));
    if (bias.defined()) bias.zero_();
  };
  for (auto& child : module.modules(/*include_self=*/true)) {
    if (auto* linear = child->as<torch::nn::LinearImpl>()) {
      init_layer(linear->weight, linear->bias);
    } else if (auto* conv = child->as<torch::nn::Conv2dImpl>()) {
      init_layer(conv->weight, conv->bias);
    } else if (auto* deconv = child->as<torch::nn::ConvTranspose2dImpl>()) {
      init_layer(deconv->weight, deconv->bias);
    } else if (!reset_norm(*child, bn_gen ? &*bn_gen : nullptr)) {
      reject_unknown(*child, "init_collection");
    }
  }
}

}  // namespace ganrun::models
