// models/frechet.cpp — the Fréchet distance between Gaussian fits of two sample sets, in
// float64 with eigendecomposition-based matrix square roots (symmetric, so linalg_eigh).
#include "models/frechet.h"

#include <algorithm>  // std::max
#include <stdexcept>
#include <string>

namespace ganrun::models {
namespace {

// [N, ...] -> float64 [N, D], checked.
torch::Tensor as_rows(const torch::Tensor& x, const char* which) {
  if (x.dim() < 2) {
    throw std::invalid_argument(std::string("frechet_distance: ") + which +
                                " must be [N, D] (samples in rows), got " +
                                std::to_string(x.dim()) + " dimension(s)");
  }
  if (x.size(0) < 2) {
    throw std::invalid_argument(std::string("frechet_distance: ") + which +
                                " needs at least 2 samples for a covariance, got " +
                                std::to_string(x.size(0)));
  }
  return x.detach().flatten(1).to(torch::kFloat64);
}

// Unbiased covariance of the rows.
torch::Tensor covariance(const torch::Tensor& x, const torch::Tensor& mean) {
  const torch::Tensor c = x - mean;
  return c.transpose(0, 1).matmul(c).div_(static_cast<double>(x.size(0) - 1));
}

// Symmetric part: round-off leaves products like A S A slightly asymmetric, and eigh reads only
// one triangle, so symmetrise explicitly.
torch::Tensor sym(const torch::Tensor& m) { return (m + m.transpose(0, 1)).mul_(0.5); }

// Square root of a symmetric PSD matrix; round-off negatives in the spectrum become 0.
torch::Tensor sqrt_psd(const torch::Tensor& m) {
  auto [w, v] = torch::linalg_eigh(sym(m));
  return (v * w.clamp_min(0.0).sqrt().unsqueeze(0)).matmul(v.transpose(0, 1));
}

}  // namespace

double frechet_distance(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor x = as_rows(a, "a");
  const torch::Tensor y = as_rows(b, "b");
  if (x.size(1) != y.size(1)) {
    throw std::invalid_argument("frechet_distance: feature sizes differ: a has " +
                                std::to_string(x.size(1)) + ", b has " + std::to_string(y.size(1)));
  }
  const torch::Tensor yy = y.to(x.device());
  const torch::Tensor mu_a = x.mean(0);
  const torch::Tensor mu_b = yy.mean(0);
  const torch::Tensor sa = covariance(x, mu_a);
  const torch::Tensor sb = covariance(yy, mu_b);

  // Tr((Sa^1/2 Sb Sa^1/2)^1/2) = sum of square roots of that PSD matrix's eigenvalues; this
  // symmetric form (unlike sqrtm(Sa Sb)) keeps the eigenproblem real and stable.
  const torch::Tensor ra = sqrt_psd(sa);
  const torch::Tensor inner = sym(ra.matmul(sb).matmul(ra));
  const torch::Tensor tr_cross = torch::linalg_eigvalsh(inner).clamp_min(0.0).sqrt().sum();

  const torch::Tensor d = (mu_a - mu_b).square().sum() + sa.trace() + sb.trace() - 2.0 * tr_cross;
  // Round-off can push an exact 0 (identical sets) a hair below; a distance is never negative.
  return std::max(0.0, d.item<double>());
}

}  // namespace ganrun::models
