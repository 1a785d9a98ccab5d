// models/decision_field.cpp — grid construction and one batched critic evaluation (see header).
#include "models/decision_field.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ganrun::models {

FieldExtent field_extent(const torch::Tensor& points, double margin_fraction) {
  if (points.dim() != 2 || points.size(1) != 2 || points.size(0) < 1)
    throw std::invalid_argument("field_extent: expected points [N >= 1, 2]");
  const auto p = points.detach().to(torch::kCPU, torch::kFloat64);
  const auto lo = std::get<0>(p.min(0)), hi = std::get<0>(p.max(0));
  FieldExtent e{lo[0].item<double>(), hi[0].item<double>(), lo[1].item<double>(),
                hi[1].item<double>()};
  const double side = std::max(e.x_max - e.x_min, e.y_max - e.y_min);
  const double margin = side > 0.0 ? margin_fraction * side : 1.0;
  e.x_min -= margin;
  e.x_max += margin;
  e.y_min -= margin;
  e.y_max += margin;
  return e;
}

torch::Tensor field_grid(const FieldExtent& extent, int64_t resolution,
                         const torch::TensorOptions& options) {
  if (resolution < 2)
    throw std::invalid_argument("field_grid: resolution must be >= 2, got " +
                                std::to_string(resolution));
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const auto xs = torch::linspace(extent.x_min, extent.x_max, resolution, f64);
  const auto ys = torch::linspace(extent.y_min, extent.y_max, resolution, f64);
  // Row iy * resolution + ix holds (x_ix, y_iy).
  const auto grid = torch::stack({xs.repeat({resolution}), ys.repeat_interleave(resolution)}, 1);
  return grid.to(options);
}

torch::Tensor decision_field(const CriticFunction& critic, const FieldExtent& extent,
                             const torch::TensorOptions& options, int64_t resolution) {
  torch::NoGradGuard no_grad;
  auto out = critic(field_grid(extent, resolution, options));
  if (out.dim() == 2) out = out.select(1, 0);
  if (out.dim() != 1 || out.size(0) != resolution * resolution)
    throw std::invalid_argument("decision_field: the critic must return one value per point");
  return out.to(torch::kCPU, torch::kFloat64).reshape({resolution, resolution});
}

torch::Tensor decision_field(CriticNet& critic, const FieldExtent& extent,
                             const torch::TensorOptions& options, int64_t resolution) {
  const bool was_training = critic.is_training();
  critic.eval();
  try {
    auto field = decision_field(
        [&critic](const torch::Tensor& x) { return critic.forward(x, torch::Tensor()); }, extent,
        options, resolution);
    critic.train(was_training);
    return field;
  } catch (...) {
    critic.train(was_training);
    throw;
  }
}

}  // namespace ganrun::models
