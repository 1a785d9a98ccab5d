// data/toy_sets.h — 2-D toy data: a fixed set of N points generated in code, deterministic by
// seed, with the mode centres and sigma exposed for evaluation (mode coverage) (toy_sets.cpp),
// or points read from a CSV or MATLAB .mat file (toy_file.cpp).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ganrun::data {

struct ToySet {
  std::string name;       // toy-ring8 | toy-grid25 | toy-moons | toy-swissroll | toy-file
  torch::Tensor points;   // float64 [N, 2]
  torch::Tensor centres;  // float64 [K, 2] mode centres (K = 0 where the set has no modes)
  double sigma = 0.0;     // per-mode standard deviation (0 where not a mixture)
};

inline constexpr int64_t kDefaultToyPoints = 65536;

// toy-ring8: 8 Gaussians evenly on a circle of radius 2 (angles 2*pi*k/8), sigma 0.02.
// toy-grid25: 25 Gaussians at {-4,-2,0,2,4}^2, sigma 0.05.
// toy-moons: two interleaved half circles (radius 1, centres (0,0) and (1,0.5)), noise 0.05.
// toy-swissroll: t ~ U[1.5 pi, 4.5 pi], (t cos t, t sin t) / 5, noise 0.05 (no modes).
// Points are drawn from a generator keyed by the seed (mode chosen uniformly per point).
ToySet make_toy_set(const std::string& name, int64_t n, uint64_t seed);

// toy-file: 2-D points from a CSV (two numeric columns, optional header line) or a .mat file
// (the first numeric 2-D variable with 2 columns, or the variable named `variable`).
// Throws DataError naming the file on any problem.
ToySet read_toy_file(const std::filesystem::path& file, const std::string& variable = "");

// The generated sets (toy-ring8, toy-grid25, toy-moons, toy-swissroll; not toy-file), in the
// catalogue's order (data/dataset_catalog.h).
const std::vector<std::string>& toy_set_names();

}  // namespace ganrun::data
