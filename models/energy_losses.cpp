// models/energy_losses.cpp — EBGAN and BEGAN losses (see header).
#include "models/energy_losses.h"

#include <torch/csrc/autograd/grad_mode.h>  // torch::NoGradGuard

#include <algorithm>

#include "models/pack_ops.h"

namespace ganrun::models {

namespace {

// [B, K*F...] -> the mean over each member's F elements: [B, K] (K = 1: [B]).
torch::Tensor per_sample_means(const torch::Tensor& x, int64_t members) {
  if (members == 1) return x.flatten(1).mean(1);
  return member_rows(x, members).mean(2);
}

// A per-member result [K] as the unpacked code has it when K = 1: a scalar.
torch::Tensor unpacked_shape(const torch::Tensor& per_member, int64_t members) {
  return members == 1 ? per_member.reshape({}) : per_member;
}

}  // namespace

torch::Tensor mse_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                         int64_t members) {
  return per_sample_means((reconstruction - x).pow(2), members);
}

torch::Tensor generator_mse_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                                   bool detached, int64_t members) {
  return mse_energy(reconstruction, detached ? x.detach() : x, members);
}

torch::Tensor l1_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                        int64_t members) {
  return per_sample_means((reconstruction - x).abs(), members);
}

torch::Tensor global_mean(const torch::Tensor& per_sample, const BatchReducer& reducer,
                          int64_t global_batch) {
  return coupled_sum(reducer, per_sample.sum(0)) / static_cast<double>(global_batch);
}

torch::Tensor hinge_per_sample(const torch::Tensor& fake_energy, double margin, int64_t members) {
  return member_mean(torch::relu(margin - fake_energy), members);
}

torch::Tensor hinge_on_batch_mean(const torch::Tensor& fake_energy, double margin,
                                  const BatchReducer& reducer, int64_t global_batch) {
  return torch::relu(margin - global_mean(fake_energy, reducer, global_batch));
}

namespace {

// sum_{i,j} (a_i . a_j)^2 over the global batch's rows a_i of each member (rows [b, K, d]),
// -> [K]. Written as ||A^T A||_F^2 so that it is a function of a per-process sum (A^T A =
// sum_i a_i a_i^T), which the reducer completes.
torch::Tensor squared_gram_sum(const torch::Tensor& rows, const BatchReducer& reducer) {
  const auto per_member = rows.permute({1, 0, 2});  // [K, b, d]
  return coupled_sum(reducer, per_member.transpose(1, 2).bmm(per_member))
      .pow(2)
      .sum(at::IntArrayRef{1, 2});
}

double pair_count(int64_t n) { return static_cast<double>(n) * static_cast<double>(n - 1); }

}  // namespace

torch::Tensor pullaway_paper(const torch::Tensor& codes, const BatchReducer& reducer,
                             int64_t global_batch, int64_t members) {
  const auto rows = member_rows(codes, members);  // [b, K, d]
  const auto unit = rows / rows.norm(2, {2}, /*keepdim=*/true);
  // The diagonal terms (s_i . s_i)^2 = ||s_i||^4 are 1 up to rounding; subtract them as
  // computed so that orthogonal codes give exactly 0 rather than a rounding residue.
  const auto diagonal = coupled_sum(reducer, unit.pow(2).sum(2).pow(2).sum(0));
  return unpacked_shape((squared_gram_sum(unit, reducer) - diagonal) / pair_count(global_batch),
                        members);
}

torch::Tensor pullaway_collection(const torch::Tensor& codes, const BatchReducer& reducer,
                                  int64_t global_batch, int64_t members) {
  // EBGAN.py: norm = torch.norm(embeddings, 1) (the whole batch), similarity squared, then
  // (sum(similarity) - batch_size) / (batch_size * (batch_size - 1)).
  const auto rows = member_rows(codes, members);  // [b, K, d]
  const auto l1 = coupled_sum(reducer, rows.abs().sum(at::IntArrayRef{0, 2}));
  const auto similarity_sum = squared_gram_sum(rows, reducer) / l1.pow(4);
  return unpacked_shape(
      (similarity_sum - static_cast<double>(global_batch)) / pair_count(global_batch), members);
}

torch::Tensor began_k_update(const torch::Tensor& k, const torch::Tensor& real_loss,
                             const torch::Tensor& fake_loss, double gamma, double lambda_k) {
  return (k + lambda_k * (gamma * real_loss - fake_loss)).clamp(0.0, 1.0);
}

torch::Tensor began_convergence(const torch::Tensor& real_loss, const torch::Tensor& fake_loss,
                                double gamma) {
  return real_loss + (gamma * real_loss - fake_loss).abs();
}

torch::Tensor StalledConvergenceHalving::epoch_end(const torch::Tensor& last_step_m) {
  if (!reference_.defined()) reference_ = torch::full_like(last_step_m, kInitialReference);
  // M rose above the reference: halve and keep the old reference; otherwise M is the new one.
  auto halve = reference_.lt(last_step_m);
  reference_ = torch::where(halve, reference_, last_step_m);
  return halve;
}

torch::Tensor StalledConvergenceHalving::halved(const torch::Tensor& lr) {
  return (lr / 2.0).clamp_min(kLowerBoundary);
}

void StalledConvergenceHalving::apply(const torch::Tensor& halve, torch::Tensor& lr) {
  torch::NoGradGuard no_grad;
  lr.copy_(torch::where(halve.reshape(lr.sizes()), halved(lr), lr));
}

}  // namespace ganrun::models
