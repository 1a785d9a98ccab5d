// models/decision_field.h — the critic's (discriminator's) output over a square-cell grid that
// covers a 2-D data set plus a margin: the picture WGAN-GP's toy experiments draw under their
// samples. A pure function of a critic and an extent: no files, no training state.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "models/nets.h"

namespace ganrun::models {

// The rectangle the grid spans, endpoints included.
struct FieldExtent {
  double x_min = 0.0, x_max = 0.0, y_min = 0.0, y_max = 0.0;
};

// 100 x 100 points, as the toy-2d preset asks (WGAN-GP's own plots use 128).
inline constexpr int64_t kFieldResolution = 100;
// Margin on each side, as a fraction of the larger side of the data's bounding box (ring8's
// box of side 4.04 gets about 1 on each side, close to WGAN-GP's fixed [-3, 3] for its ring).
inline constexpr double kFieldMarginFraction = 0.25;

// The points' bounding box [N >= 1, 2], widened by margin_fraction x its larger side on every
// side (a box of zero size gets a margin of 1). Throws std::invalid_argument for no points.
FieldExtent field_extent(const torch::Tensor& points,
                         double margin_fraction = kFieldMarginFraction);

// The grid's points as [resolution * resolution, 2] in `options`: row-major over (iy, ix), with
// x_ix = x_min + ix * (x_max - x_min) / (resolution - 1), likewise y (resolution >= 2).
torch::Tensor field_grid(const FieldExtent& extent, int64_t resolution,
                         const torch::TensorOptions& options);

// A critic seen as a function: points [M, 2] -> outputs [M] or [M, outputs >= 1] (the first
// column is the field: a logit or a critic value, no sigmoid).
using CriticFunction = std::function<torch::Tensor(const torch::Tensor&)>;

// field[iy][ix] = critic(x_ix, y_iy) as float64 [resolution, resolution] on the CPU, evaluated
// in one batch in `options` (the critic's dtype and device) without gradients.
torch::Tensor decision_field(const CriticFunction& critic, const FieldExtent& extent,
                             const torch::TensorOptions& options,
                             int64_t resolution = kFieldResolution);

// The same for a critic net (unconditional), evaluated in eval mode; its train/eval mode is
// restored afterwards.
torch::Tensor decision_field(CriticNet& critic, const FieldExtent& extent,
                             const torch::TensorOptions& options,
                             int64_t resolution = kFieldResolution);

}  // namespace ganrun::models
