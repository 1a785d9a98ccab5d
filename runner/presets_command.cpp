// runner/presets_command.cpp — `ganrun presets [NAME]`: the named recipes, or every value one
// sets with the paper section or collection file it comes from.
#include <fmt/format.h>

#include <string>

#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/presets.h"
#include "runner/subcommands.h"

namespace ganrun {

int presets_main(int argc, char** argv, launch::MpiSession& mpi) {
  if (argc > 2) throw ConfigError("ganrun presets takes at most one preset name");
  const std::string name = argc > 1 ? argv[1] : "";
  if (name == "--help" || name == "-h") {
    if (mpi.is_root())
      fmt::print(
          "ganrun presets [NAME]: list the presets, or every value NAME sets and its "
          "source\n");
    return kExitOk;
  }
  if (name.empty()) {
    if (mpi.is_root()) fmt::print("{}", describe_presets());
    return kExitOk;
  }
  const Preset* preset = find_preset(name);
  if (preset == nullptr) {
    std::vector<std::string> names;
    for (const auto& p : presets()) names.push_back(p.name);
    const std::string hint = did_you_mean(name, names);
    throw ConfigError(fmt::format("preset '{}' is not a known preset{}", name,
                                  hint.empty() ? " (ganrun presets lists them)" : hint));
  }
  if (mpi.is_root()) fmt::print("{}", describe_preset(*preset));
  return kExitOk;
}

}  // namespace ganrun
