// runner/sweep_config.h — the sweep file: strict YAML parsing (yaml-cpp), layering
// (top level < variants.<v> < grid point), cartesian grid expansion and run ids
// (runner/sweep_yaml.h reads values, runner/grid_expansion.h expands, runner/run_id.h names).
// Errors are ConfigError with "FILE:LINE: key 'k' ..." messages (README "The sweep file").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runner/run_settings.h"

namespace ganrun {

struct RunSpec {
  std::string id;        // readable prefix of the varying grid keys + short config hash
  RunSettings settings;  // fully resolved
  // The grid point: (key, canonical value text) for every grid key, in grid order, then with
  // `sample:` the drawn keys and ("draw", "<i>").
  std::vector<std::pair<std::string, std::string>> grid_point;
  int64_t draw = -1;  // the sample draw this run trains (-1: none)
};

struct SweepPlan {
  std::string file;  // as given, for messages
  std::string text;  // the sweep file's text, stored in sweep.h5
  std::string name;
  std::string out = "results";            // output folder
  std::string device = "auto";            // auto | cpu | cuda
  std::vector<std::string> grid_keys;     // in file order
  std::vector<std::string> varying_keys;  // grid keys with more than one value, file order
  std::vector<std::string> sampled_keys;  // keys drawn by `sample:` (also in grid_keys)
  int64_t ranks_per_run = 1;              // ranks that train one run together
  std::string pack = "off";               // off | auto | K (runner/pack_plan.h)
  // Bytes of image data a rank may hold in memory; a larger HDF5 pack is read on demand.
  int64_t memory_budget = int64_t{4} << 30;
  std::vector<RunSpec> runs;  // in grid order (last key varies fastest)
};

// Reads and parses a sweep file; throws ConfigError (missing file, YAML syntax, unknown key
// with did-you-mean, wrong type, out of range, "not implemented yet").
SweepPlan load_sweep(const std::filesystem::path& file);
SweepPlan parse_sweep(const std::string& text, const std::string& file_label);

// A one-run spec for `ganrun train` (no grid): validates `s` and gives it the id
// "<variant>-<hash8>" and an empty grid point.
RunSpec make_single_run(const RunSettings& s);

}  // namespace ganrun
