// models/conditional.h — what the conditional variants (cgan, acgan, infogan) share: one-hot
// labels, the generator input z ++ one-hot, and the reference collection's 10x10 class-by-noise
// sample grid (CGAN.py / ACGAN.py / infoGAN.py: image 10 i + j is noise row i with class j, so
// each grid row is one noise vector and each column one class).
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace ganrun::models {

// Class indices int64 [B] -> one-hot [B, classes] with `options` (dtype, device). A packed
// run's labels [B, K] (one column per member) -> [B, K*classes], member k's one-hot in block k.
torch::Tensor one_hot(const torch::Tensor& labels, int64_t classes,
                      const torch::TensorOptions& options);

// The generator input of cgan/acgan: z [B, z_dim] ++ one-hot(labels) -> [B, z_dim + classes];
// packed (models/pack_ops.h): z [B, K*z_dim], labels [B, K] -> [B, K*(z_dim + classes)].
torch::Tensor with_one_hot(const torch::Tensor& z, const torch::Tensor& labels, int64_t classes,
                           int64_t members = 1);

// The class-by-noise grid for `noise_rows` [R, z_dim] and `classes` C: R*C entries, entry
// C*i + j holding noise row i and class j.
struct ClassByNoiseGrid {
  torch::Tensor noise;   // [R*C, z_dim]
  torch::Tensor labels;  // int64 [R*C], on the noise's device
};
ClassByNoiseGrid class_by_noise_grid(const torch::Tensor& noise_rows, int64_t classes);

// Rows of fixed noise in a conditional grid (10 rows x 10 classes, as the collection draws).
inline constexpr int64_t kConditionalGridRows = 10;

}  // namespace ganrun::models
