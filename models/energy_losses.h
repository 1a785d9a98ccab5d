// models/energy_losses.h — the losses of the auto-encoder discriminators (EBGAN, BEGAN) as pure
// functions of tensors: reconstruction energies, EBGAN's hinge and pull-away term in the paper's
// and the reference collection's forms, BEGAN's k_t update and convergence measure, and the
// collection's BEGAN learning-rate rule as a small state machine.
//
// Quantities over the whole batch (the batch hinge's mean energy, the pull-away term, BEGAN's
// means) take a BatchReducer and the global batch size: their value is the global one and their
// gradient that of this process's rows (coupled_sum, variant.h). A loss built on a coupled value
// must be multiplied by coupled_scale(slice) before backward (the variant does that).
//
// Packed runs (models/pack_ops.h): every function takes the member count K; a per-sample value
// is then [B, K], a batch-wide one [K] (each member's own), and K = 1 gives the unpacked shapes
// ([B], scalar).
#pragma once

#include <torch/types.h>

#include <cstdint>

#include "models/variant.h"

namespace ganrun::models {

// Per-sample reconstruction energies, one value per row of x and member ([B, K*C, H, W] -> [B, K],
// or [B] when K = 1): the mean squared / absolute error over the member's pixels.
torch::Tensor mse_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                         int64_t members = 1);
torch::Tensor l1_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                        int64_t members = 1);
// EBGAN's generator energy mse_energy(reconstruction, target) of a fake x: `detached` stops
// the gradient through the target (the collection's `MSE_loss(D_fake, G_.detach())`), so G
// learns only through D's reconstruction; attached (the paper) through both.
torch::Tensor generator_mse_energy(const torch::Tensor& reconstruction, const torch::Tensor& x,
                                   bool detached, int64_t members = 1);

// The batch mean of per-sample values [b] (or [b, K]) over the global batch, -> scalar (or [K])
// (coupled: the gradient of this process's rows).
torch::Tensor global_mean(const torch::Tensor& per_sample, const BatchReducer& reducer,
                          int64_t global_batch);

// EBGAN's hinge on the fakes' energies [b] at margin m.
// Paper (`hinge: sample`): mean_i max(0, m - E_i), a per-sample mean over the given rows.
torch::Tensor hinge_per_sample(const torch::Tensor& fake_energy, double margin,
                               int64_t members = 1);
// Collection (`hinge: batch`): max(0, m - mean_i E_i), the mean over the global batch.
torch::Tensor hinge_on_batch_mean(const torch::Tensor& fake_energy, double margin,
                                  const BatchReducer& reducer, int64_t global_batch);

// EBGAN's pull-away term of the encoder codes [b, K*d] over the global batch of N codes, per
// member.
// Paper (`pullaway: paper`): s_i = c_i / ||c_i||_2, PT = sum_{i != j} (s_i . s_j)^2 / (N (N-1)).
torch::Tensor pullaway_paper(const torch::Tensor& codes, const BatchReducer& reducer,
                             int64_t global_batch, int64_t members = 1);
// Collection (`pullaway: collection`): n_i = c_i / L with L = sum_{i,k} |c_ik| (one L1 norm of
// the whole batch), PT = (sum_{i,j} (n_i . n_j)^2 - N) / (N (N-1)). The diagonal is not 1 as the
// paper's formula assumes, so the first sum is tiny and PT stays near -1/(N-1).
torch::Tensor pullaway_collection(const torch::Tensor& codes, const BatchReducer& reducer,
                                  int64_t global_batch, int64_t members = 1);

// BEGAN: k_{t+1} = clamp(k_t + lambda_k (gamma L_real - L_fake), 0, 1), elementwise (a scalar,
// or one value per member).
torch::Tensor began_k_update(const torch::Tensor& k, const torch::Tensor& real_loss,
                             const torch::Tensor& fake_loss, double gamma, double lambda_k);
// BEGAN's convergence measure M = L_real + |gamma L_real - L_fake|.
torch::Tensor began_convergence(const torch::Tensor& real_loss, const torch::Tensor& fake_loss,
                                double gamma);

// The collection's BEGAN lr rule (BEGAN.py, `lr_schedule: collection`). At each epoch end it
// compares the M of the epoch's last step with a reference M_pre (initially 1): if M_pre < M the
// lr of G and of D is halved (never below 2e-5) and M_pre is kept; otherwise M_pre becomes M.
// Kept on the device, one value per member: the decision is a tensor, applied to the optimisers'
// learning-rate tensors, so an epoch end reads nothing back to the host.
class StalledConvergenceHalving {
 public:
  static constexpr double kInitialReference = 1.0;  // BEGAN.py: M['pre'] = [1]
  static constexpr double kLowerBoundary = 2e-5;    // BEGAN.py: lr_lower_boundary

  // Bool tensor shaped as `last_step_m` (scalar, or [K]): true where the lr must be halved at
  // this epoch end. Updates the reference.
  torch::Tensor epoch_end(const torch::Tensor& last_step_m);
  // max(lr / 2, 2e-5) elementwise, as the collection writes it (an lr set below 2e-5 is raised
  // to it).
  static torch::Tensor halved(const torch::Tensor& lr);
  // lr (any shape with one row per member: [K, 1], or one element) halved where `halve` says.
  static void apply(const torch::Tensor& halve, torch::Tensor& lr);
  const torch::Tensor& reference() const { return reference_; }
  torch::Tensor& reference() { return reference_; }  // a checkpoint restores it

 private:
  torch::Tensor reference_;  // M_pre, shaped as M; undefined until the first epoch end
};

}  // namespace ganrun::models
