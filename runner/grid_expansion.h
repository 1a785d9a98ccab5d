// runner/grid_expansion.h — from the layers of settings a sweep file holds (the top level,
// variants.<v>, the grid) to its runs: checks that no key is set twice where the layering
// could not say which wins, expands the grid's cartesian products (last key fastest; a list of
// maps is the union of their products), resolves each point (layers, then the preset, then the
// default length), validates it, gives it its run id, and refuses two points of one sub-grid
// with the same settings, or two runs with one id. Reads no YAML.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runner/random_search.h"
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

// One map of `grid`: its keys in file order; its points are their cartesian product.
using SubGrid = std::vector<GridKey>;

struct SweepLayers {
  Layer top{"the top level", {}};
  std::map<std::string, Layer> variants;  // by variant name
  // `grid` as one map (one sub-grid) or a list of maps (several): the plan is the union of
  // their products. Empty: no grid (one run).
  std::vector<SubGrid> grids;
  // `sample:`: count draws crossed with every grid point (keys count 0: none).
  SampleSection sample;
};

// Fails (file:line) when two settings of one layer write the same field through a shorthand
// (lr and lr_g, betas and beta1, optimizer and optimizer_d).
void check_same_level(const SweepYaml& file, const Layer& layer);

// Fails when a key is set in variants.<v> and in the grid (neither may win over the other), or
// when a key drawn by `sample:` is also set in the grid or in variants.<v>.
void check_variants_vs_grid(const SweepYaml& file, const SweepLayers& layers);

// Sets plan.grid_keys (every sub-grid's keys, in order of first appearance), plan.varying_keys
// (keys whose value differs between runs, "unset" counting as a value) and plan.runs: each
// sub-grid's product in grid order, sub-grids in file order, a point equal to an earlier
// sub-grid's point (same resolved settings) left out; with `sample:` every point crossed with
// draws 0..count-1 (draw fastest), the drawn keys and `draw` appended to grid_keys and each
// run id carrying -d<i> instead of the drawn values.
void expand_grid(const SweepYaml& file, const SweepLayers& layers, SweepPlan& plan);

}  // namespace ganrun
