// models/pack_ops.h — the layout of a packed run: K grid points trained as one stacked model.
//
// One rule everywhere: member k owns block k of the leading dimension of every parameter and
// buffer (a Linear(in, K*out) holds K weights [out, in] one under the other; a grouped
// convolution's weight is already laid out that way), and block k of dimension 1 of every
// activation ([B, K*F] for features, [B, K*C, H, W] for images). So a member's slice of a packed
// net is a plain narrow(0, ...) of each tensor, grouped convolutions and BatchNorm over K*C
// channels are exact per member with no code of their own, and only a linear layer, a
// LayerNorm and the losses' reductions need to know K. With K = 1 every helper here is the
// unpacked operation it replaces, so an unpacked run computes exactly what it always did.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ganrun::models {

// x [B, K*in] through fc = Linear(in, K*out): member k's rows of fc's weight on member k's
// features (one batched matrix product), -> [B, K*out]. K = 1: fc(x).
torch::Tensor packed_linear(torch::nn::Linear& fc, const torch::Tensor& x, int64_t members);

// The mean of every element of each member's block, -> [K] (K = 1: x.mean(), a scalar, the
// unpacked loss). x is [B, K*F...] (a [B, K] tensor too).
torch::Tensor member_mean(const torch::Tensor& x, int64_t members);

// [B, K*F...] -> [B, K, F] (F: all of a member's elements of one sample).
torch::Tensor member_rows(const torch::Tensor& x, int64_t members);

// Member draws [B, S...] -> one packed tensor: concatenated along dimension 1 ([B, K*S0, S1...]),
// or, for per-sample scalars ([B] each), stacked into [B, K]. One draw: returned as it is.
torch::Tensor join_member_draws(const std::vector<torch::Tensor>& draws);

// Member k's features of `a` followed by its features of `b`, block by block: a [B, K*A, ...],
// b [B, K*C, ...] (equal trailing sizes) -> [B, K*(A+C), ...]. The packed form of concatenating
// an input with its condition or codes (z ++ one-hot, image ++ label planes). K = 1: cat(a, b).
torch::Tensor join_member_features(const torch::Tensor& a, const torch::Tensor& b, int64_t members);

// Columns [offset, offset + length) of each member's block of x [B, K*W] -> [B, K*length]
// (a packed critic's outputs split into heads). K = 1: x.narrow(1, offset, length).
torch::Tensor member_columns(const torch::Tensor& x, int64_t offset, int64_t length,
                             int64_t members);

// Cross-entropy of class logits [B, K*C] against labels int64 [B, K] (one column per member):
// each member's mean over the batch, [K]. K = 1 (labels [B]): F::cross_entropy, a scalar.
torch::Tensor member_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                   int64_t members);

// How often each member's argmax of logits [B, K*C] hits its labels [B, K], float64 [K]
// (K = 1: labels [B], a scalar).
torch::Tensor member_accuracy(const torch::Tensor& logits, const torch::Tensor& labels,
                              int64_t members);

// Copies member nets into the packed net of the same architecture built with K = members:
// every parameter and floating-point buffer becomes the concatenation of the members' along
// dimension 0. Throws std::invalid_argument when names or shapes do not line up.
void stack_nets(torch::nn::Module& packed, const std::vector<torch::nn::Module*>& members);

// The reverse: member k's slice of every parameter and floating-point buffer of `packed`
// copied into `member` (evaluation, sample grids and the run file read the member nets).
void copy_member_slice(torch::nn::Module& packed, int64_t member, int64_t members,
                       torch::nn::Module& into);

}  // namespace ganrun::models
