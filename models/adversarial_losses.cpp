// models/adversarial_losses.cpp — gan, lsgan and wgan losses (see header).
#include "models/adversarial_losses.h"

#include <torch/nn/functional/loss.h>  // binary_cross_entropy_with_logits

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

torch::Tensor bce_with_logits(const torch::Tensor& logits, double target) {
  return F::binary_cross_entropy_with_logits(logits, torch::full_like(logits, target));
}

// 1/2 E[(out - target)^2]: one least-squares term of LSGAN's eq. 2.
torch::Tensor half_mean_square(const torch::Tensor& out, double target) {
  return 0.5 * (out - target).square().mean();
}

}  // namespace

torch::Tensor gan_d_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits) {
  return bce_with_logits(real_logits, 1.0) + bce_with_logits(fake_logits, 0.0);
}

torch::Tensor gan_g_loss(const torch::Tensor& fake_logits, bool minimax) {
  return minimax ? -bce_with_logits(fake_logits, 0.0) : bce_with_logits(fake_logits, 1.0);
}

torch::Tensor lsgan_d_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out) {
  return half_mean_square(real_out, 1.0) + half_mean_square(fake_out, 0.0);
}

torch::Tensor lsgan_g_loss(const torch::Tensor& fake_out) {
  return half_mean_square(fake_out, 1.0);
}

torch::Tensor wgan_critic_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out) {
  return fake_out.mean() - real_out.mean();
}

torch::Tensor wgan_g_loss(const torch::Tensor& fake_out) { return -fake_out.mean(); }

torch::Tensor wasserstein_estimate(const torch::Tensor& real_out, const torch::Tensor& fake_out) {
  return real_out.mean() - fake_out.mean();
}

}  // namespace ganrun::models
