// runner/train_loop.h — the step loop, written once for every variant: per step n_critic
// critic updates on fresh real batches (the one sample order) and one generator update; metrics
// summed on the device and read every log_every steps (the only host sync); fixed-noise sample
// grids every sample_every steps. What happens at those points (file writes, progress lines)
// is the caller's, through LoopObserver.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "models/variant.h"
#include "runner/run_settings.h"

namespace ganrun {

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  // steps_done = step index + 1; means in the variant's metric_names() order.
  virtual void on_metrics(int64_t steps_done, const std::vector<double>& means) = 0;
  // Fixed-noise samples as uint8 [N, C, H, W].
  virtual void on_samples(int64_t steps_done, const torch::Tensor& images_u8) = 0;
};

struct LoopResult {
  bool diverged = false;
  int64_t stop_step = -1;
  std::string message;  // which metric went non-finite, when diverged
};

struct LoopSetup {
  const RunSettings* settings = nullptr;
  std::string run_id;  // for the test-only failure hook
  int64_t total_steps = 0;
  models::BatchSlice slice;  // this process's part of the global batch
  const models::BatchReducer* reducer = nullptr;
  const models::GradientSync* sync_gradients = nullptr;
  int64_t fixed_samples = 64;
  torch::Device device = torch::kCPU;  // where batches, noise and the models live
};

// An exception inside the loop, with the step it happened at (the run's stop_step).
class StepError : public std::runtime_error {
 public:
  StepError(int64_t step, const std::string& what) : std::runtime_error(what), step_(step) {}
  int64_t step() const { return step_; }

 private:
  int64_t step_;
};

LoopResult train_loop(models::Variant& variant, data::BatchSource& source, const LoopSetup& setup,
                      LoopObserver& observer);

// The set-up of a run whose whole global batch is computed in this process: the full slice,
// the identity reducer and no gradient synchronisation.
LoopSetup single_process_setup(const RunSettings& settings, std::string run_id, int64_t total_steps,
                               torch::Device device);

// Images in the training range [-1, 1] to uint8 [0, 255] (round to nearest).
torch::Tensor to_uint8_images(const torch::Tensor& images);

// Test-only hook: GANRUN_TEST_THROW="<run-id substring>@<step>" makes a matching run throw at
// that step, so tests can make one run of a sweep fail.
void maybe_throw_test_failure(const std::string& run_id, int64_t step);

}  // namespace ganrun
