// models/nets.cpp — the architecture factory: which builder serves which `--arch`, the shape
// rules, and the per-architecture initialisation rule.
#include "models/nets.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "models/init.h"
#include "models/mlp.h"

namespace ganrun::models {

const std::vector<std::string>& arch_names() {
  static const std::vector<std::string> names{
      "mlp",     "mlp-small", "mlp-deep", "dcgan28", "dcgan28-allconv",
      "dcgan32", "ae28",      "ae32",     "toy"};
  return names;
}

std::string shape_error(const std::string& arch, int64_t channels, int64_t height, int64_t width) {
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
  return "";
}

std::shared_ptr<GeneratorNet> make_generator(const NetSpec& spec) {
  if (spec.arch == "mlp")
    return std::make_shared<MlpGenerator>(spec.g_inputs, spec.channels, spec.height, spec.width);
  throw std::invalid_argument(fmt::format("arch '{}' is not implemented yet", spec.arch));
}

std::shared_ptr<CriticNet> make_critic(const NetSpec& spec) {
  if (spec.arch == "mlp")
    return std::make_shared<MlpDiscriminator>(spec.channels * spec.height * spec.width,
                                              spec.cond_classes, spec.critic_outputs);
  throw std::invalid_argument(fmt::format("arch '{}' is not implemented yet", spec.arch));
}

std::shared_ptr<AutoEncoderNet> make_autoencoder(const NetSpec& spec) {
  throw std::invalid_argument(
      fmt::format("arch '{}' is not an auto-encoder architecture", spec.arch));
}

void init_net(torch::nn::Module& net, const std::string& arch, uint64_t seed, uint64_t net_index) {
  (void)arch;
  init_default(net, seed, net_index);
}

}  // namespace ganrun::models
