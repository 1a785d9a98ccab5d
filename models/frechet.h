// models/frechet.h — Fréchet distance between two sample sets under a Gaussian fit, computed on
// the raw features given (e.g. flattened pixels). A plain tensor function: no network, no I/O.
#pragma once

#include <torch/types.h>

namespace ganrun::models {

// a [N, ...], b [M, ...] (rows are samples, trailing dims flattened to D; N, M >= 2; any float
// dtype and device; computed in float64):
//   ||mu_a - mu_b||^2 + Tr(Sa) + Tr(Sb) - 2 Tr((Sa^1/2 Sb Sa^1/2)^1/2)
// with unbiased covariances (divide by N-1). Square roots via symmetric eigendecompositions,
// tiny negative eigenvalues clamped to 0, so a constant set (zero covariance) is fine.
// Throws std::invalid_argument on shape mismatches or fewer than 2 samples.
double frechet_distance(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace ganrun::models
