// models/variant_families.h — one factory per variant family (one .cpp file each); the
// dispatch by name is make_variant in variant.cpp.
#pragma once

#include <memory>
#include <string>

#include "models/variant.h"

namespace ganrun::models {

// Throws std::invalid_argument "<variant>: unknown <key> '<value>' (known: a, b)" unless the
// two-valued setting `key` holds a or b (variant.cpp).
void require_one_of(const std::string& variant, const std::string& key, const std::string& value,
                    const std::string& a, const std::string& b);

std::unique_ptr<Variant> make_gan(const VariantConfig& config);      // unconditional_variants.cpp
std::unique_ptr<Variant> make_lsgan(const VariantConfig& config);    // unconditional_variants.cpp
std::unique_ptr<Variant> make_wgan(const VariantConfig& config);     // unconditional_variants.cpp
std::unique_ptr<Variant> make_wgan_gp(const VariantConfig& config);  // unconditional_variants.cpp
std::unique_ptr<Variant> make_dragan(const VariantConfig& config);   // unconditional_variants.cpp
std::unique_ptr<Variant> make_cgan(const VariantConfig& config);   // class_conditional_variants.cpp
std::unique_ptr<Variant> make_acgan(const VariantConfig& config);  // class_conditional_variants.cpp
std::unique_ptr<Variant> make_infogan(const VariantConfig& config);  // infogan_variant.cpp
std::unique_ptr<Variant> make_ebgan(const VariantConfig& config);    // autoencoder_variants.cpp
std::unique_ptr<Variant> make_began(const VariantConfig& config);    // autoencoder_variants.cpp

}  // namespace ganrun::models
