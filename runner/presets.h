// runner/presets.h — named recipes (`--preset`, `preset:` in sweep files): a complete set of
// values, per variant where they differ, each with the place it comes from (a paper's section,
// a file of the reference collection). Explicit settings always win over a preset.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "runner/run_settings.h"

namespace ganrun {

struct PresetValue {
  std::string variant;  // "" = every variant; else only runs of this variant
  std::string key;      // a per-run key (run_setting_keys)
  std::string value;    // its text, as in a sweep file ("2e-4", "[0.5, 0.9]", "ae28")
  std::string source;   // where the value comes from
};

struct Preset {
  std::string name;
  std::string summary;
  std::vector<PresetValue> values;  // generic values first, variant-specific ones after
};

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& name);
// The presets' names, in presets() order (collection, paper, cs231n, toy-2d).
const std::vector<std::string>& preset_names();

// The RunSettings fields a key claims when set explicitly: setting_fields(key), except that
// epochs and steps claim each other too (an explicit length blocks a preset's other length).
std::vector<std::string> fields_written(const std::string& key);

// Applies preset `name` to `s` for s.variant: every value whose fields are all outside
// `explicit_fields` (epochs and steps count as one: an explicit either blocks both) is set;
// s.preset becomes `name`. Throws ConfigError for an unknown preset.
void apply_preset(RunSettings& s, const std::string& name,
                  const std::set<std::string>& explicit_fields);

// `ganrun presets [NAME]`: the list of presets, or every value one sets and its source.
std::string describe_presets();
std::string describe_preset(const Preset& preset);

}  // namespace ganrun
