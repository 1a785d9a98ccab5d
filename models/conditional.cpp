// models/conditional.cpp — one-hot labels and the class-by-noise grid (see header).
#include "models/conditional.h"

#include "models/pack_ops.h"

namespace ganrun::models {

torch::Tensor one_hot(const torch::Tensor& labels, int64_t classes,
                      const torch::TensorOptions& options) {
  auto shape = labels.sizes().vec();  // [B] or [B, K]
  shape.push_back(classes);
  return torch::zeros(shape, options)
      .scatter_(-1, labels.to(options.device(), torch::kInt64).unsqueeze(-1), 1.0)
      .reshape({labels.size(0), -1});
}

torch::Tensor with_one_hot(const torch::Tensor& z, const torch::Tensor& labels, int64_t classes,
                           int64_t members) {
  return join_member_features(z, one_hot(labels, classes, z.options()), members);
}

ClassByNoiseGrid class_by_noise_grid(const torch::Tensor& noise_rows, int64_t classes) {
  const int64_t rows = noise_rows.size(0);
  auto labels =
      torch::arange(classes,
                    torch::TensorOptions().dtype(torch::kInt64).device(noise_rows.device()))
          .repeat({rows});
  return {noise_rows.repeat_interleave(classes, 0), labels};
}

}  // namespace ganrun::models
