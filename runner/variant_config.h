// runner/variant_config.h — a run's settings as the models see them: RunSettings (the file's
// and flags' names) to models::VariantConfig (what a variant builds its nets and optimisers
// from), with the data shape and the device filled in.
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "models/variant.h"
#include "runner/run_settings.h"

namespace ganrun {

struct DataShape {
  int64_t channels = 1, height = 28, width = 28;  // toy data: 2 x 1 x 1
  int64_t classes = 10;
};

// A data set's sample shape and class count, from data/'s catalogue (the default shape for an
// unknown name, which validation has refused before).
DataShape data_shape(const std::string& dataset);

// critic_norm "auto" resolves here: none for wgan-gp (its paper forbids BatchNorm in the
// critic), else the architecture's own. weight_decay applies to the critic's optimiser only.
models::VariantConfig make_variant_config(const RunSettings& s, const DataShape& shape,
                                          torch::Device device);

}  // namespace ganrun
