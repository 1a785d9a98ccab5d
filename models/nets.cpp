// models/nets.cpp — the architecture factory: which builder serves which `--arch`, the shape
// rules, and the per-architecture initialisation rule. The layers live in arch_*.cpp and mlp.cpp.
#include "models/nets.h"

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include <algorithm>
#include <stdexcept>

#include "models/arch_autoencoder.h"
#include "models/arch_dcgan28.h"
#include "models/arch_dcgan32.h"
#include "models/arch_mlp_deep.h"
#include "models/arch_mlp_small.h"
#include "models/arch_toy.h"
#include "models/init.h"
#include "models/mlp.h"
#include "models/norm_layers.h"

namespace ganrun::models {
namespace {

bool is_fully_connected(const std::string& arch) {
  return arch == "mlp" || arch == "mlp-small" || arch == "mlp-deep";
}

bool is_autoencoder(const std::string& arch) { return arch == "ae28" || arch == "ae32"; }

// Fixed-size conv archs: the size they need and what to use for the other common size.
struct FixedSize {
  const char* arch;
  int64_t size;
  const char* instead;
};
constexpr FixedSize kFixedSizes[] = {
    {"dcgan28-allconv", 28, "for 32x32 images use dcgan32 (or dcgan28, any multiple of 4)"},
    {"dcgan32", 32, "for 28x28 images use dcgan28 or dcgan28-allconv"},
    {"ae28", 28, "for 32x32 images use ae32"},
    {"ae32", 32, "for 28x28 images use ae28"},
};

// Throws unless `arch` is known and fits the spec's data shape and settings.
void check_spec(const NetSpec& spec) {
  if (spec.members < 1 || (spec.members > 1 && !arch_packs(spec.arch)))
    throw std::invalid_argument(
        fmt::format("arch '{}' cannot be packed {} members to a net", spec.arch, spec.members));
  const std::string shape = shape_error(spec.arch, spec.channels, spec.height, spec.width);
  if (!shape.empty()) throw std::invalid_argument(shape);
  if (spec.g_inputs < 1 || spec.critic_outputs < 1 || spec.cond_classes < 0)
    throw std::invalid_argument(fmt::format(
        "arch '{}': g_inputs ({}) and critic_outputs ({}) must be positive, cond_classes ({}) "
        "not negative",
        spec.arch, spec.g_inputs, spec.critic_outputs, spec.cond_classes));
  resolve_critic_norm(spec.critic_norm, NormKind::kNone);  // throws on an unknown value
  if (spec.arch == "toy" && (spec.toy_depth < 1 || spec.toy_width < 1))
    throw std::invalid_argument(
        fmt::format("arch 'toy' needs toy_depth >= 1 and toy_width >= 1 (got {} and {})",
                    spec.toy_depth, spec.toy_width));
  if ((spec.arch == "dcgan32" || spec.arch == "ae32") && spec.base_width < 1)
    throw std::invalid_argument(
        fmt::format("arch '{}' needs base_width >= 1 (got {})", spec.arch, spec.base_width));
}

}  // namespace

bool arch_packs(const std::string& arch) {
  const auto& names = arch_names();
  return std::find(names.begin(), names.end(), arch) != names.end();
}

const std::vector<std::string>& arch_names() {
  static const std::vector<std::string> names{
      "mlp",     "mlp-small", "mlp-deep", "dcgan28", "dcgan28-allconv",
      "dcgan32", "ae28",      "ae32",     "toy"};
  return names;
}

std::string shape_error(const std::string& arch, int64_t channels, int64_t height, int64_t width) {
  const auto& names = arch_names();
  if (std::find(names.begin(), names.end(), arch) == names.end())
    return fmt::format("unknown arch '{}' (known: {})", arch, fmt::join(names, ", "));
  const bool toy_data = channels == 2 && height == 1 && width == 1;
  if (arch == "toy") {
    return toy_data ? ""
                    : fmt::format(
                          "arch 'toy' needs a 2-D toy data set (dataset toy-*); the "
                          "dataset gives {}x{}x{} images",
                          channels, height, width);
  }
  if (toy_data)
    return fmt::format("arch '{}' needs images; 2-D toy data sets train with arch 'toy'", arch);
  if (is_fully_connected(arch)) return "";
  // The conv archs: grey or colour images of their size.
  if (channels != 1 && channels != 3)
    return fmt::format("arch '{}' needs 1- or 3-channel images; the dataset gives {}x{}x{}", arch,
                       channels, height, width);
  for (const auto& fixed : kFixedSizes) {
    if (arch == fixed.arch && (height != fixed.size || width != fixed.size))
      return fmt::format("arch '{}' needs {}x{} images; the dataset gives {}x{}x{} ({})", arch,
                         fixed.size, fixed.size, channels, height, width, fixed.instead);
  }
  if (arch == "dcgan28" && (height % 4 != 0 || width % 4 != 0 || height < 4 || width < 4))
    return fmt::format(
        "arch 'dcgan28' needs a height and width that are multiples of 4 (its generator "
        "upsamples size/4 twice); the dataset gives {}x{}x{} (use an mlp arch for other sizes)",
        channels, height, width);
  return "";
}

std::shared_ptr<GeneratorNet> make_generator(const NetSpec& spec) {
  check_spec(spec);
  const auto& a = spec.arch;
  if (a == "mlp")
    return std::make_shared<MlpGenerator>(spec.g_inputs, spec.channels, spec.height, spec.width,
                                          spec.members);
  if (a == "mlp-small")
    return std::make_shared<MlpSmallGenerator>(spec.g_inputs, spec.channels, spec.height,
                                               spec.width, spec.members);
  if (a == "mlp-deep")
    return std::make_shared<MlpDeepGenerator>(spec.g_inputs, spec.channels, spec.height, spec.width,
                                              spec.members);
  if (a == "dcgan28" || a == "ae28")
    return std::make_shared<Dcgan28Generator>(spec.g_inputs, spec.channels, spec.height, spec.width,
                                              spec.generator_norm != "none", spec.members);
  if (a == "dcgan28-allconv")
    return std::make_shared<ConvStackGenerator>(
        spec.g_inputs, dcgan28_allconv_generator_layers(spec.channels), spec.members);
  if (a == "dcgan32" || a == "ae32")
    return std::make_shared<ConvStackGenerator>(
        spec.g_inputs, dcgan32_generator_layers(spec.base_width, spec.channels), spec.members);
  return std::make_shared<ToyGenerator>(spec.g_inputs, spec.toy_depth, spec.toy_width,
                                        spec.members);
}

std::shared_ptr<CriticNet> make_critic(const NetSpec& spec) {
  check_spec(spec);
  const auto& a = spec.arch;
  if (is_autoencoder(a))
    throw std::invalid_argument(fmt::format(
        "arch '{}' has an auto-encoder discriminator (variants ebgan, began), not a critic", a));
  if (a == "mlp")
    return std::make_shared<MlpDiscriminator>(spec.channels * spec.height * spec.width,
                                              spec.cond_classes, spec.critic_outputs, spec.members);
  if (a == "mlp-small") return std::make_shared<MlpSmallCritic>(spec);
  if (a == "mlp-deep") return std::make_shared<MlpDeepCritic>(spec);
  if (a == "dcgan28") return std::make_shared<Dcgan28Critic>(spec);
  if (a == "dcgan28-allconv")
    return std::make_shared<ConvStackCritic>(spec,
                                             dcgan28_allconv_critic_layers(spec.critic_outputs));
  if (a == "dcgan32")
    return std::make_shared<ConvStackCritic>(
        spec, dcgan32_critic_layers(spec.base_width, spec.critic_outputs));
  return std::make_shared<ToyCritic>(spec);
}

std::shared_ptr<AutoEncoderNet> make_autoencoder(const NetSpec& spec) {
  check_spec(spec);
  if (!is_autoencoder(spec.arch))
    throw std::invalid_argument(fmt::format(
        "arch '{}' is not an auto-encoder architecture (ebgan and began need ae28 or ae32)",
        spec.arch));
  return std::make_shared<CollectionAutoEncoder>(spec);
}

void init_net(torch::nn::Module& net, const std::string& arch, uint64_t seed, uint64_t net_index,
              const std::string& bn_init) {
  const NormInit norm_init = parse_norm_init(bn_init);
  if (is_fully_connected(arch) || arch == "toy") {
    init_default(net, seed, net_index, norm_init);
  } else if (arch.rfind("dcgan", 0) == 0 || is_autoencoder(arch)) {
    init_collection(net, seed, net_index, norm_init);
  } else {
    throw std::invalid_argument(fmt::format("init_net: unknown arch '{}'", arch));
  }
}

}  // namespace ganrun::models
