// runner/variant_config.cpp — RunSettings to models::VariantConfig (see header).
#include "runner/variant_config.h"

#include <fmt/format.h>

#include "data/dataset_loader.h"  // known_dataset_names
#include "models/nets.h"
#include "runner/name_list.h"

namespace ganrun {
namespace {

DataShape shape_of(const std::string& dataset) {
  if (dataset == "cifar10") return {3, 32, 32, 10};
  if (dataset.rfind("toy-", 0) == 0) return {2, 1, 1, 0};
  return {1, 28, 28, 10};  // mnist, fashion-mnist
}

}  // namespace

std::string compatibility_error(const RunSettings& s) {
  const auto& archs = models::accepted_archs(s.variant);
  if (!contains(archs, s.arch))
    return fmt::format(
        "variant '{}' does not accept arch '{}' (accepted: {}); set arch to one of "
        "them",
        s.variant, s.arch, join(archs, ", "));
  const DataShape shape = shape_of(s.dataset);
  const std::string shape_message =
      models::shape_error(s.arch, shape.channels, shape.height, shape.width);
  if (!shape_message.empty())
    return fmt::format("{} (dataset {}); choose another arch or dataset", shape_message, s.dataset);
  if (models::needs_labels(s.variant) && shape.classes == 0)
    return fmt::format(
        "variant '{}' needs class labels, but dataset {} has none; use a labelled "
        "data set ({})",
        s.variant, s.dataset, join(data::known_dataset_names(), ", "));
  return "";
}

models::VariantConfig make_variant_config(const RunSettings& s, const DataShape& shape,
                                          torch::Device device) {
  models::VariantConfig vc;
  vc.variant = s.variant;
  vc.arch = s.arch;
  vc.z_dim = s.z_dim;
  vc.channels = shape.channels;
  vc.height = shape.height;
  vc.width = shape.width;
  vc.classes = shape.classes;
  auto optimizer = [&](const std::string& kind, double lr, double weight_decay) {
    models::OptimizerConfig o;
    o.kind = kind;
    o.lr = lr;
    o.beta1 = s.beta1;
    o.beta2 = s.beta2;
    o.alpha = s.rmsprop_alpha;
    o.momentum = s.momentum;
    o.weight_decay = weight_decay;
    return o;
  };
  vc.opt_g = optimizer(s.optimizer_g, s.lr_g, 0.0);
  vc.opt_d = optimizer(s.optimizer_d, s.lr_d, s.weight_decay);
  vc.g_loss = s.g_loss;
  vc.clip = s.clip;
  vc.clip_value = s.clip_value;
  vc.gp_lambda = s.gp_lambda;
  if (s.critic_norm == "auto")
    vc.critic_norm = s.variant == "wgan-gp" ? "none" : "";
  else
    vc.critic_norm = s.critic_norm;
  vc.generator_norm = s.g_norm == "auto" ? "" : s.g_norm;
  vc.hinge = s.hinge;
  vc.pullaway = s.pullaway;
  vc.margin = s.margin;
  vc.pt_weight = s.pt_weight;
  vc.gamma = s.gamma;
  vc.lambda_k = s.lambda_k;
  vc.lr_schedule = s.lr_schedule;
  vc.info_weight = s.info_weight;
  vc.info_optimizer = s.info_optimizer == "separate";
  vc.toy_depth = s.toy_depth;
  vc.toy_width = s.toy_width;
  vc.base_width = s.base_width;
  vc.seed = static_cast<uint64_t>(s.seed);
  vc.dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  vc.device = device;
  return vc;
}

}  // namespace ganrun
