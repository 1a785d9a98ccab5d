// models/cgan_variant.cpp — placeholder until the variant lands (replaced by its family file).
#include <stdexcept>

#include "models/variant_families.h"

namespace ganrun::models {

std::unique_ptr<Variant> make_cgan(const VariantConfig& config) {
  throw std::invalid_argument("variant '" + config.variant + "' is not implemented yet");
}

}  // namespace ganrun::models
