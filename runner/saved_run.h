// runner/saved_run.h — a finished run's file read back as something to sample from: its
// resolved settings (/config), its data shape and the variant with the generator weights saved
// under /generator, on a chosen device. `ganrun sample` and `ganrun eval RUN.h5` use it.
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "models/variant.h"
#include "runner/run_file.h"
#include "runner/run_settings.h"
#include "runner/variant_config.h"

namespace ganrun {

struct SavedRun {
  RunFileSummary summary;
  RunSettings settings;
  models::VariantConfig config;
  std::unique_ptr<models::Variant> variant;  // generator loaded, on the device
};

// The run's settings from its /config text (keys not needed to rebuild the generator, like
// epochs, steps and data_dir, keep their defaults).
RunSettings settings_from_config(const std::string& config_yaml);

// ConfigError naming the file when it is missing, not a run file, a toy run (no images) or a
// run that saved no generator (status not completed).
SavedRun load_saved_run(const std::string& path, torch::Device device);

}  // namespace ganrun
