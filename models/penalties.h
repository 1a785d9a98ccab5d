// models/penalties.h — what keeps a critic Lipschitz: gradient penalties on the critic's input
// (the per-sample gradient norm, the (||grad|| - 1)^2 penalty, and where WGAN-GP and DRAGAN
// evaluate it) and WGAN's weight clipping. Pure functions of tensors and modules (plus the keyed
// draws and the batch reducer they need), so tests call them directly.
//
// Draws: the per-sample factor a and DRAGAN's elementwise u come from the run's NoiseSource
// under Purpose::kInterpolation, drawn for the global batch and sliced, so k processes sharing
// a run see the numbers one process would.
//
// Packed runs (`members` K > 1, models/pack_ops.h): inputs are [B, K*C, H, W], per-sample
// factors [B, K], and everything per sample or per batch is per member: norms [B, K], penalties
// and std [K], parameter ranges [K]. K = 1 is the unpacked computation, unchanged.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "models/variant.h"

namespace ganrun::models {

// A critic as a function of its input: x [B, ...] -> outputs [B, 1].
using CriticFn = std::function<torch::Tensor(const torch::Tensor&)>;

// ||grad_x sum_i D(x)_i||_2 per sample, [B]: sample i's row of the gradient is that of its own
// output (no cross-sample terms without batch statistics). Built with create_graph, so a loss
// on the norms back-propagates into the critic's parameters (double backward). `x` must
// require grad.
torch::Tensor input_gradient_norms(const CriticFn& critic, const torch::Tensor& x,
                                   int64_t members = 1);

// lambda * mean_i (norms_i - 1)^2 over this process's rows.
torch::Tensor unit_gradient_penalty(const torch::Tensor& norms, double lambda, int64_t members = 1);

// WGAN-GP's points x_hat = a * real + (1 - a) * fake with a [B] broadcast over each sample
// (packed: a [B, K], each member's factor over its block).
torch::Tensor interpolate(const torch::Tensor& real, const torch::Tensor& fake,
                          const torch::Tensor& a);

// DRAGAN's points: x_p = x + 0.5 * std * u and x_hat = x + a * (x_p - x), a [B] per sample,
// u elementwise (the shape of x), std a scalar tensor.
struct DraganPoints {
  torch::Tensor perturbed;  // x_p
  torch::Tensor points;     // x_hat
};
DraganPoints dragan_perturb(const torch::Tensor& x, const torch::Tensor& std,
                            const torch::Tensor& a, const torch::Tensor& u);

// The standard deviation of every element of the global batch, one scalar: this process's
// sum, sum of squares and element count summed by `reducer` (in float64), unbiased (N - 1)
// as torch.std, which the collection's DRAGAN.py uses (x_.std()). No gradient. Packed: one
// per member, [K].
torch::Tensor global_batch_std(const BatchReducer& reducer, const torch::Tensor& x,
                               int64_t members = 1);

// Sub-indices of the Purpose::kInterpolation draws of critic update `critic_iter`: the
// per-sample factor a and DRAGAN's elementwise u get distinct keys.
uint64_t factor_sub(int64_t critic_iter);
uint64_t perturbation_sub(int64_t critic_iter);

// a ~ U[0, 1) per sample of this process's rows, shaped [count, 1, ...] to broadcast over x.
torch::Tensor draw_sample_factors(const NoiseSource& noise, int64_t step, int64_t critic_iter,
                                  const torch::Tensor& like);

// WGAN-GP's x_hat for one critic update, detached from G and D and requiring grad.
torch::Tensor wgan_gp_points(const torch::Tensor& real, const torch::Tensor& fake,
                             const NoiseSource& noise, int64_t step, int64_t critic_iter);

// DRAGAN's x_p and x_hat for one critic update (x_hat requires grad); std(x) is the global
// batch's, through `reducer`.
DraganPoints dragan_points(const torch::Tensor& x, const BatchReducer& reducer,
                           const NoiseSource& noise, int64_t step, int64_t critic_iter);

// How many members a packed tensor of per-sample factors a ([B] or [B, K]) holds.
inline int64_t members_of(const torch::Tensor& a) { return a.dim() == 1 ? 1 : a.size(1); }

// ---- weight clipping (WGAN, Arjovsky et al. 2017) --------------------------------------------
// The other way to keep a critic Lipschitz: its parameters clipped to [-c, c] after every
// critic update. `clip: weights` clips the weight matrices and kernels only (parameters named
// "weight" of every module that is not a normalisation layer), leaving biases and
// BatchNorm/LayerNorm scale and shift free: the paper's "weights" read literally. `all` clips
// every critic parameter, as the collection's WGAN.py does (`for p in D.parameters():
// p.data.clamp_`), and as the paper's own code does too (its DCGAN critic has bias-free
// convolutions, so there "all" means kernels plus BatchNorm scale/shift).
enum class ClipForm { kWeights, kAll };
ClipForm parse_clip_form(const std::string& name);  // weights | all; throws otherwise

// The parameters of `critic` that `form` clips.
std::vector<torch::Tensor> clipped_parameters(torch::nn::Module& critic, ClipForm form);
// Clamps each tensor to [-c, c] in place (outside autograd).
void clip_in_place(const std::vector<torch::Tensor>& params, double c);
// {min, max} over every element of `params`, as scalar tensors (no host sync).
// Packed: each member's range, two [K] tensors.
std::pair<torch::Tensor, torch::Tensor> parameter_range(const std::vector<torch::Tensor>& params,
                                                        int64_t members = 1);

}  // namespace ganrun::models
