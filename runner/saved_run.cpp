// runner/saved_run.cpp — a finished run's generator rebuilt from its file (see header).
#include "runner/saved_run.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "runner/config_error.h"

namespace ganrun {
namespace {

template <typename T>
T attr_as(const RunFileSummary& run, const std::string& file, const std::string& name) {
  const auto it = run.attrs.find(name);
  if (it == run.attrs.end() || !std::holds_alternative<T>(it->second))
    throw ConfigError(
        fmt::format("{}: run file has no usable attribute '{}'; it was not written "
                    "by this version of ganrun",
                    file, name));
  return std::get<T>(it->second);
}

}  // namespace

RunSettings settings_from_config(const std::string& config_yaml) {
  RunSettings settings;
  const YAML::Node config = YAML::Load(config_yaml);
  for (const auto& item : config) {
    const auto key = item.first.as<std::string>();
    // Not needed to rebuild G, and "0" means "not set" for epochs/steps.
    if (key == "data_dir" || key == "epochs" || key == "steps") continue;
    if (item.second.IsMap() && is_interval_key(key) && item.second["epochs"]) {
      set_setting_text(settings, key, item.second["epochs"].as<std::string>() + "ep");
      continue;
    }
    set_setting_text(settings, key, item.second.as<std::string>());
  }
  return settings;
}

SavedRun load_saved_run(const std::string& path, torch::Device device) {
  auto summary = read_run_summary(path);
  if (!summary) throw ConfigError(fmt::format("run file '{}' not found", path));
  if (summary->status != "completed")
    throw ConfigError(
        fmt::format("{}: run status is '{}'; only completed runs save their "
                    "generator (rerun the sweep to complete it)",
                    path, summary->status));
  SavedRun run;
  run.settings = settings_from_config(summary->config_yaml);
  if (run.settings.dataset.rfind("toy-", 0) == 0)
    throw ConfigError(
        fmt::format("{}: a 2-D toy run has no images; its sample points are in the "
                    "run file's /toy/points",
                    path));
  const DataShape shape{attr_as<int64_t>(*summary, path, "channels"),
                        attr_as<int64_t>(*summary, path, "height"),
                        attr_as<int64_t>(*summary, path, "width"), 10};
  run.config = make_variant_config(run.settings, shape, device);
  run.variant = models::make_variant(run.config);
  models::NamedTensors state;
  for (const auto& array : read_generator(path)) {
    const auto type = array.is_float64 ? torch::kFloat64 : torch::kFloat32;
    auto t = torch::from_blob(const_cast<char*>(array.bytes.data()), array.shape,
                              torch::TensorOptions().dtype(type))
                 .clone();
    state.emplace_back(array.name, t.to(device, run.config.dtype));
  }
  run.variant->load_generator_state(state);
  run.summary = std::move(*summary);
  return run;
}

}  // namespace ganrun
