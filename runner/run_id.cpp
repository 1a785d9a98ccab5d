// runner/run_id.cpp — the run id rule (see header).
#include "runner/run_id.h"

#include <fmt/format.h>

#include <cctype>
#include <sstream>

#include "common/digest.h"  // sha256_hex
#include "runner/name_list.h"

namespace ganrun {

std::string make_run_id(const RunSettings& s, const std::vector<std::string>& varying_keys,
                        int64_t draw) {
  std::string id = s.variant;
  for (const auto& key : run_setting_keys()) {
    if (key == "variant" || !contains(varying_keys, key)) continue;
    id += fmt::format("-{}{}", setting_traits(key).id_prefix, setting_text(s, key));
  }
  if (draw >= 0) id += fmt::format("-d{}", draw);
  // The hash leaves out the keys that do not change the experiment (where the data lives, how
  // often it logs): the lines of to_yaml, one per field, that start with such a key.
  // A setting added later is left out while at its old behaviour (unhashed_default), so the
  // ids of runs made before it existed do not change.
  std::istringstream lines(to_yaml(s));
  std::string hashed, line;
  while (std::getline(lines, line)) {
    const std::string key = line.substr(0, line.find(':'));
    const SettingTraits& traits = setting_traits(key);
    if (!traits.in_id_hash) continue;
    if (traits.unhashed_default != nullptr && line == key + ": " + traits.unhashed_default)
      continue;
    hashed += line + "\n";
  }
  id += "-" + sha256_hex(hashed, "the run id hash").substr(0, 8);
  for (char& c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' ||
          c == '-')) {
      c = '_';
    }
  }
  return id;
}

}  // namespace ganrun
