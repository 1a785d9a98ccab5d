// runner/variant_config.cpp — RunSettings to models::VariantConfig (see header).
#include "runner/variant_config.h"

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "data/dataset_catalog.h"  // find_dataset, dataset_names
#include "models/nets.h"
#include "runner/name_list.h"

namespace ganrun {

DataShape data_shape(const std::string& dataset) {
  const data::DatasetEntry* e = data::find_dataset(dataset);
  if (e == nullptr) return {};
  return {e->channels, e->height, e->width, static_cast<int64_t>(e->class_names.size())};
}

std::string compatibility_error(const RunSettings& s) {
  const auto& archs = models::accepted_archs(s.variant);
  if (!contains(archs, s.arch))
    return fmt::format(
        "variant '{}' does not accept arch '{}' (accepted: {}); set arch to one of "
        "them",
        s.variant, s.arch, join(archs, ", "));
  const DataShape shape = data_shape(s.dataset);
  const std::string shape_message =
      models::shape_error(s.arch, shape.channels, shape.height, shape.width);
  if (!shape_message.empty())
    return fmt::format("{} (dataset {}); choose another arch or dataset", shape_message, s.dataset);
  // Only the raw-output losses can be bounded (models/variant.cpp make_variant says the same).
  if (s.critic_output == "sigmoid" && s.variant != "wgan" && s.variant != "wgan-gp" &&
      s.variant != "lsgan")
    return fmt::format(
        "critic_output: sigmoid applies to wgan, wgan-gp and lsgan, not to variant '{}'; set "
        "critic_output: linear for it",
        s.variant);
  if (models::needs_labels(s.variant) && shape.classes == 0)
    return fmt::format(
        "variant '{}' needs class labels, but dataset {} has none; use a labelled "
        "data set ({})",
        s.variant, s.dataset,
        join(data::dataset_names_if(
                 [](const data::DatasetEntry& e) { return !e.class_names.empty(); }),
             ", "));
  return "";
}

namespace {

using R = RunSettings;
using V = models::VariantConfig;

// The settings that pass from a run's settings to its variant unchanged, by type.
template <typename T>
using Same = std::initializer_list<std::pair<T R::*, T V::*>>;
constexpr Same<std::string> kSameTexts{{&R::variant, &V::variant},
                                       {&R::arch, &V::arch},
                                       {&R::g_loss, &V::g_loss},
                                       {&R::clip, &V::clip},
                                       {&R::critic_output, &V::critic_output},
                                       {&R::ls_scale, &V::ls_scale},
                                       {&R::penalty_output, &V::penalty_output},
                                       {&R::info_source, &V::info_source},
                                       {&R::generator_noise, &V::generator_noise},
                                       {&R::bn_init, &V::bn_init},
                                       {&R::hinge, &V::hinge},
                                       {&R::pullaway, &V::pullaway},
                                       {&R::energy_target, &V::energy_target},
                                       {&R::lr_schedule, &V::lr_schedule}};
constexpr Same<double> kSameNumbers{
    {&R::clip_value, &V::clip_value},  {&R::gp_lambda, &V::gp_lambda}, {&R::margin, &V::margin},
    {&R::pt_weight, &V::pt_weight},    {&R::gamma, &V::gamma},         {&R::lambda_k, &V::lambda_k},
    {&R::info_weight, &V::info_weight}};
constexpr Same<int64_t> kSameCounts{{&R::z_dim, &V::z_dim},
                                    {&R::toy_depth, &V::toy_depth},
                                    {&R::toy_width, &V::toy_width},
                                    {&R::base_width, &V::base_width}};

}  // namespace

models::VariantConfig make_variant_config(const RunSettings& s, const DataShape& shape,
                                          torch::Device device) {
  V vc;
  for (const auto& [from, to] : kSameTexts) vc.*to = s.*from;
  for (const auto& [from, to] : kSameNumbers) vc.*to = s.*from;
  for (const auto& [from, to] : kSameCounts) vc.*to = s.*from;
  vc.channels = shape.channels;
  vc.height = shape.height;
  vc.width = shape.width;
  vc.classes = shape.classes;
  vc.opt_g = {s.optimizer_g, s.lr_g, s.beta1, s.beta2, s.rmsprop_alpha, s.momentum, 0.0};
  vc.opt_d = {s.optimizer_d,   s.lr_d,     s.beta1,       s.beta2,
              s.rmsprop_alpha, s.momentum, s.weight_decay};  // weight decay is the critic's only
  // "auto": the architecture's own norm (""), but wgan-gp's paper forbids BatchNorm in the critic.
  vc.critic_norm = s.critic_norm != "auto" ? s.critic_norm : s.variant == "wgan-gp" ? "none" : "";
  vc.generator_norm = s.g_norm == "auto" ? "" : s.g_norm;
  vc.info_optimizer = s.info_optimizer == "separate";
  vc.seed = static_cast<uint64_t>(s.seed);
  vc.dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  vc.device = device;
  return vc;
}

}  // namespace ganrun
