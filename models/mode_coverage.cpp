// models/mode_coverage.cpp — nearest-centre assignment with a 3-sigma radius (see header).
#include "models/mode_coverage.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace ganrun::models {
namespace {

torch::Tensor as_points(const torch::Tensor& t, const char* what) {
  if (t.dim() != 2 || t.size(1) != 2)
    throw std::invalid_argument(std::string("mode_coverage: ") + what +
                                " must be [N, 2] points, got " + std::to_string(t.dim()) +
                                "-D tensor");
  return t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
}

}  // namespace

ModeCoverage mode_coverage(const torch::Tensor& samples, const torch::Tensor& centres, double sigma,
                           double radius_sigmas, double min_fraction) {
  if (!(sigma > 0.0)) throw std::invalid_argument("mode_coverage: sigma must be > 0");
  const auto x = as_points(samples, "samples");
  const auto c = as_points(centres, "centres");
  ModeCoverage out;
  out.samples = x.size(0);
  const int64_t k = c.size(0);
  out.counts.assign(static_cast<size_t>(k), 0);
  if (k == 0 || out.samples == 0) return out;

  // Squared distances [N, K]; argmin takes the first of equal minima (the lower index).
  const auto d2 = (x.unsqueeze(1) - c.unsqueeze(0)).pow(2).sum(2);
  const auto [nearest_d2, nearest] = d2.min(1);
  const double radius = radius_sigmas * sigma;
  const auto inside = nearest_d2.le(radius * radius);
  const auto per_mode =
      torch::zeros({k}, torch::kInt64).index_add_(0, nearest, inside.to(torch::kInt64));
  const auto counts = per_mode.accessor<int64_t, 1>();
  // A mode counts when it holds >= min_fraction of the samples; the small slack keeps an exact
  // 1% (e.g. 25 of 2,500) from failing on the rounding of 0.01 * 2500.
  const double need = min_fraction * static_cast<double>(out.samples) - 1e-9;
  int64_t total = 0;
  for (int64_t m = 0; m < k; ++m) {
    out.counts[static_cast<size_t>(m)] = counts[m];
    total += counts[m];
    if (static_cast<double>(counts[m]) >= need && counts[m] > 0) ++out.modes_covered;
  }
  out.high_quality = static_cast<double>(total) / static_cast<double>(out.samples);
  return out;
}

}  // namespace ganrun::models
