// models/variant.cpp — NoiseSource and the variant factory (which variant x arch pairs exist).
#include "models/variant.h"

#include <stdexcept>

#include "models/gan_variant.h"
#include "models/run_random.h"

namespace ganrun::models {

NoiseSource::NoiseSource(uint64_t seed, int64_t z_dim, BatchSlice slice,
                         torch::TensorOptions options)
    : seed_(seed), z_dim_(z_dim), slice_(slice), options_(options) {}

torch::Tensor NoiseSource::z(int64_t step, uint64_t sub) const {
  // Drawn for the global batch, then sliced, so k processes see the same rows as one.
  auto all = normal_noise(slice_.global_batch, z_dim_, seed_, static_cast<uint64_t>(step),
                          Purpose::kNoise, sub, options_);
  if (slice_.offset == 0 && slice_.count == slice_.global_batch) return all;
  return all.narrow(0, slice_.offset, slice_.count);
}

std::unique_ptr<Variant> make_variant(const VariantConfig& config) {
  if (config.variant == "gan") {
    if (config.arch != "mlp")
      throw std::invalid_argument("variant 'gan' does not accept arch '" + config.arch +
                                  "' (accepted: mlp)");
    return std::make_unique<GanVariant>(config);
  }
  throw std::invalid_argument("unknown variant '" + config.variant + "' (known: gan)");
}

}  // namespace ganrun::models
