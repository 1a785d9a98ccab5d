// models/variant.h — what a GAN variant is to the step loop: a small object with its critic
// (discriminator) step, its generator step and the metrics it records. The loop in runner/ is
// written once and drives any variant through this interface.
//
// Model code knows nothing of ranks or files: a run split over k processes shows up here only
// as a BatchSlice (which part of the global batch this process holds), a BatchReducer (sums a
// quantity over the whole global batch) and a GradientSync hook (averages gradients after each
// backward); single-process runs get the identity versions.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/metric_accumulator.h"

namespace ganrun::models {

// The part of a run's global batch that this process computes: rows [offset, offset + count).
struct BatchSlice {
  int64_t global_batch = 0;
  int64_t offset = 0;
  int64_t count = 0;
};

// Noise for a step, drawn for the whole global batch as if by one process (keyed by seed, step
// and a sub-index), then sliced: the numbers do not depend on how many processes share a run.
class NoiseSource {
 public:
  NoiseSource(uint64_t seed, int64_t z_dim, BatchSlice slice, torch::TensorOptions options);
  torch::Tensor z(int64_t step, uint64_t sub) const;  // [slice.count, z_dim]
  int64_t z_dim() const { return z_dim_; }

 private:
  uint64_t seed_;
  int64_t z_dim_;
  BatchSlice slice_;
  torch::TensorOptions options_;
};

// Sums a per-process partial quantity over the run's global batch (across processes).
class BatchReducer {
 public:
  virtual ~BatchReducer() = default;
  virtual torch::Tensor sum(const torch::Tensor& partial) const = 0;
};

class LocalReducer final : public BatchReducer {
 public:
  torch::Tensor sum(const torch::Tensor& partial) const override { return partial; }
};

// Called between backward() and the optimizer step with the module whose gradients must be
// averaged across the run's processes. No-op for a single process.
using GradientSync = std::function<void(torch::nn::Module&)>;

struct StepContext {
  int64_t step = 0;         // generator step (0-based)
  int64_t critic_iter = 0;  // critic update within the step, 0..n_critic-1
  const NoiseSource* noise = nullptr;
  const BatchReducer* reducer = nullptr;
  const GradientSync* sync_gradients = nullptr;
};

// This process's slice of a real batch, already in the training range and dtype.
struct RealBatch {
  torch::Tensor images;  // [count, C, H, W]
  torch::Tensor labels;  // int64 [count]
};

// A named tensor of a model's state (parameters and floating-point buffers).
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class Variant {
 public:
  virtual ~Variant() = default;
  // Metric names besides step and wall_s, in the order they are stored.
  virtual const std::vector<std::string>& metric_names() const = 0;
  virtual void discriminator_step(const RealBatch& real, const StepContext& ctx,
                                  MetricAccumulator& metrics) = 0;
  virtual void generator_step(const StepContext& ctx, MetricAccumulator& metrics) = 0;
  // Images [B, C, H, W] in the training range, drawn in eval mode (BatchNorm running stats).
  virtual torch::Tensor sample(const torch::Tensor& z) = 0;
  virtual NamedTensors generator_state() = 0;
  virtual void load_generator_state(const NamedTensors& state) = 0;
};

// Everything a variant needs to build its nets and optimizers.
struct VariantConfig {
  std::string variant = "gan";
  std::string arch = "mlp";
  int64_t z_dim = 100;
  int64_t channels = 1, height = 28, width = 28;
  double lr_g = 2e-4, lr_d = 2e-4, beta1 = 0.5, beta2 = 0.999;
  uint64_t seed = 0;  // parameter initialisation is keyed by it
  torch::Dtype dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

// Throws std::invalid_argument naming the variant/arch when the pair is unknown.
std::unique_ptr<Variant> make_variant(const VariantConfig& config);

}  // namespace ganrun::models
