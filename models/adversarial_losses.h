// models/adversarial_losses.h — the adversarial losses of the gan, lsgan and wgan families as
// pure functions of the critic's raw outputs, so tests check them on hand-made tensors without
// networks. Every mean is over this process's rows (its slice of the global batch): with equal
// slices and gradients averaged over processes, that equals the one-process mean.
// Penalties on the critic's input gradient live in models/penalties.h.
//
// `members` > 1: the outputs of a packed net ([B, K*outputs], models/pack_ops.h) and one loss
// per member, [K] (each member's mean over its own block); 1: one scalar loss.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace ganrun::models {

// GAN (Goodfellow et al. 2014) on logits: D minimises BCE(D(x), 1) + BCE(D(G(z)), 0).
torch::Tensor gan_d_loss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits,
                         int64_t members = 1);
// G: non-saturating BCE(D(G(z)), 1), or minimax -BCE(D(G(z)), 0) = E[log(1 - D(G(z)))].
torch::Tensor gan_g_loss(const torch::Tensor& fake_logits, bool minimax, int64_t members = 1);

// LSGAN (Mao et al. 2017, eq. 2) with a = 0, b = c = 1, the paper's 1/2 factors kept:
// D: 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]; G: 1/2 E[(D(G(z)) - 1)^2].
// (The collection's LSGAN.py uses nn.MSELoss without the 1/2: twice these values and
// gradients, which Adam's normalisation cancels up to its epsilon; `ls_scale: one` doubles them.)
torch::Tensor lsgan_d_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                           int64_t members = 1);
torch::Tensor lsgan_g_loss(const torch::Tensor& fake_out, int64_t members = 1);

// WGAN (Arjovsky et al. 2017, Algorithm 1) on raw critic values: the critic minimises
// E[D(G(z))] - E[D(x)], the generator -E[D(G(z))].
torch::Tensor wgan_critic_loss(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                               int64_t members = 1);
torch::Tensor wgan_g_loss(const torch::Tensor& fake_out, int64_t members = 1);
// The critic's estimate of the Wasserstein-1 distance, E[D(x)] - E[D(G(z))] (the negated
// critic loss, without any penalty).
torch::Tensor wasserstein_estimate(const torch::Tensor& real_out, const torch::Tensor& fake_out,
                                   int64_t members = 1);

}  // namespace ganrun::models
