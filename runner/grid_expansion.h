// runner/grid_expansion.h — from the layers of settings a sweep file holds (the top level,
// variants.<v>, the grid) to its runs: checks that no key is set twice where the layering
// could not say which wins, expands the grid's cartesian product (last key fastest), resolves
// each point (layers, then the preset, then the default length), validates it, gives it its
// run id, and refuses two points with the same settings or id. Reads no YAML.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runner/sweep_config.h"
#include "runner/sweep_yaml.h"

namespace ganrun {

// One layer of settings ("the top level", "variants.gan") and where it came from.
struct Layer {
  std::string where;
  std::vector<Setting> settings;
};

struct GridKey {
  std::string key;
  int line = 0;
  std::vector<Setting> values;  // the list, in file order
};

struct SweepLayers {
  Layer top{"the top level", {}};
  std::map<std::string, Layer> variants;  // by variant name
  std::vector<GridKey> grid;              // in file order
};

// Fails (file:line) when two settings of one layer write the same field through a shorthand
// (lr and lr_g, betas and beta1, optimizer and optimizer_d).
void check_same_level(const SweepYaml& file, const Layer& layer);

// Fails when a key is set in variants.<v> and in the grid (neither may win over the other).
void check_variants_vs_grid(const SweepYaml& file, const SweepLayers& layers);

// Sets plan.grid_keys, plan.varying_keys and plan.runs (grid order) from the layers.
void expand_grid(const SweepYaml& file, const SweepLayers& layers, SweepPlan& plan);

}  // namespace ganrun
