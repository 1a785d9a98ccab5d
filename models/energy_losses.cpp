// models/energy_losses.cpp — EBGAN and BEGAN losses (see header).
#include "models/energy_losses.h"

#include <algorithm>

namespace ganrun::models {

torch::Tensor mse_energy(const torch::Tensor& reconstruction, const torch::Tensor& x) {
  return (reconstruction - x).pow(2).flatten(1).mean(1);
}

torch::Tensor l1_energy(const torch::Tensor& reconstruction, const torch::Tensor& x) {
  return (reconstruction - x).abs().flatten(1).mean(1);
}

torch::Tensor global_mean(const torch::Tensor& per_sample, const BatchReducer& reducer,
                          int64_t global_batch) {
  return coupled_sum(reducer, per_sample.sum()) / static_cast<double>(global_batch);
}

torch::Tensor hinge_per_sample(const torch::Tensor& fake_energy, double margin) {
  return torch::relu(margin - fake_energy).mean();
}

torch::Tensor hinge_on_batch_mean(const torch::Tensor& fake_energy, double margin,
                                  const BatchReducer& reducer, int64_t global_batch) {
  return torch::relu(margin - global_mean(fake_energy, reducer, global_batch));
}

namespace {

// sum_{i,j} (a_i . a_j)^2 over the global batch's rows a_i, written as ||A^T A||_F^2 so that it
// is a function of a per-process sum (A^T A = sum_i a_i a_i^T), which the reducer completes.
torch::Tensor squared_gram_sum(const torch::Tensor& rows, const BatchReducer& reducer) {
  return coupled_sum(reducer, rows.t().mm(rows)).pow(2).sum();
}

double pair_count(int64_t n) { return static_cast<double>(n) * static_cast<double>(n - 1); }

}  // namespace

torch::Tensor pullaway_paper(const torch::Tensor& codes, const BatchReducer& reducer,
                             int64_t global_batch) {
  const auto unit = codes / codes.norm(2, {1}, /*keepdim=*/true);
  // The diagonal terms (s_i . s_i)^2 = ||s_i||^4 are 1 up to rounding; subtract them as
  // computed so that orthogonal codes give exactly 0 rather than a rounding residue.
  const auto diagonal = coupled_sum(reducer, unit.pow(2).sum(1).pow(2).sum());
  return (squared_gram_sum(unit, reducer) - diagonal) / pair_count(global_batch);
}

torch::Tensor pullaway_collection(const torch::Tensor& codes, const BatchReducer& reducer,
                                  int64_t global_batch) {
  // EBGAN.py: norm = torch.norm(embeddings, 1) (the whole batch), similarity squared, then
  // (sum(similarity) - batch_size) / (batch_size * (batch_size - 1)).
  const auto l1 = coupled_sum(reducer, codes.abs().sum());
  const auto similarity_sum = squared_gram_sum(codes, reducer) / l1.pow(4);
  return (similarity_sum - static_cast<double>(global_batch)) / pair_count(global_batch);
}

torch::Tensor began_k_update(const torch::Tensor& k, const torch::Tensor& real_loss,
                             const torch::Tensor& fake_loss, double gamma, double lambda_k) {
  return (k + lambda_k * (gamma * real_loss - fake_loss)).clamp(0.0, 1.0);
}

torch::Tensor began_convergence(const torch::Tensor& real_loss, const torch::Tensor& fake_loss,
                                double gamma) {
  return real_loss + (gamma * real_loss - fake_loss).abs();
}

bool StalledConvergenceHalving::epoch_end(double last_step_m) {
  if (reference_ < last_step_m) return true;  // M rose: halve, keep the old reference
  reference_ = last_step_m;
  return false;
}

double StalledConvergenceHalving::halved(double lr) { return std::max(lr / 2.0, kLowerBoundary); }

}  // namespace ganrun::models
