// models/mode_coverage.h — how well 2-D samples cover a Gaussian mixture's modes (the toy sets'
// evaluation, as in the mode-collapse studies on ring-of-8 and grid-of-25 data). A plain tensor
// function: no network, no I/O; the loop records it and the evaluation work reuses it.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ganrun::models {

// What the samples [N, 2] say about the modes (centres [K, 2], one sigma for all):
struct ModeCoverage {
  // Per mode k: samples whose nearest centre is k AND lie within radius_sigmas * sigma of it.
  std::vector<int64_t> counts;
  int64_t samples = 0;        // N
  int64_t modes_covered = 0;  // modes whose count is >= min_fraction * N
  // Fraction of the N samples within radius_sigmas * sigma of some centre ("high quality").
  // A sample within that radius of any centre is also within it of its nearest one, so this
  // is sum(counts) / N.
  double high_quality = 0.0;
};

// Thresholds of the mode metric: 3 sigma, 1% of the samples.
inline constexpr double kModeRadiusSigmas = 3.0;
inline constexpr double kModeMinFraction = 0.01;

// samples [N, 2], centres [K, 2] (any float dtype and device; computed in float64 on the CPU),
// sigma > 0. Ties in the nearest centre go to the lower index. K = 0 gives no counts, 0
// modes and high_quality 0; N = 0 gives zero counts and high_quality 0. Throws
// std::invalid_argument on shapes other than [*, 2] or sigma <= 0.
ModeCoverage mode_coverage(const torch::Tensor& samples, const torch::Tensor& centres, double sigma,
                           double radius_sigmas = kModeRadiusSigmas,
                           double min_fraction = kModeMinFraction);

}  // namespace ganrun::models
