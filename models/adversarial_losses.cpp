// models/adversarial_losses.cpp — gan, lsgan and wgan losses (see header).
#include "models/adversarial_losses.h"

#include <torch/nn/functional/loss.h>  // binary_cross_entropy_with_logits

#include "models/pack_ops.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

torch::Tensor bce_with_logits(const torch::Tensor& logits, double target, int64_t members) {
  const auto targets = torch::full_like(logits, target);
  if (members == 1) return F::binary_cross_entropy_with_logits(logits, targets);
  return member_mean(
      F::binary_cross_entropy_with_logits(
          logits, targets, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone)),
      members);
}

// 1/2 E[(out - target)^2]: one least-squares term of LSGAN's eq. 2.
torch::Tensor half_mean_square(const torch::Tensor& out, double target, int64_t members) {
  return 0.5 * member_mean((out - target).square(), members);
}

}  // namespace

torch::Tensor gan_d_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits,
                         int64_t members) {
  return bce_with_logits(real_logits, 1.0, members) + bce_with_logits(fake_logits, 0.0, members);
}

torch::Tensor gan_g_loss(const torch::Tensor& fake_logits, bool minimax, int64_t members) {
  return minimax ? -bce_with_logits(fake_logits, 0.0, members)
                 : bce_with_logits(fake_logits, 1.0, members);
}

torch::Tensor lsgan_d_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                           int64_t members) {
  return half_mean_square(real_out, 1.0, members) + half_mean_square(fake_out, 0.0, members);
}

torch::Tensor lsgan_g_loss(const torch::Tensor& fake_out, int64_t members) {
  return half_mean_square(fake_out, 1.0, members);
}

torch::Tensor wgan_critic_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                               int64_t members) {
  return member_mean(fake_out, members) - member_mean(real_out, members);
}

torch::Tensor wgan_g_loss(const torch::Tensor& fake_out, int64_t members) {
  return -member_mean(fake_out, members);
}

torch::Tensor wasserstein_estimate(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                                   int64_t members) {
  return member_mean(real_out, members) - member_mean(fake_out, members);
}

}  // namespace ganrun::models
