// runner/train_loop.h — the step loop, written once for every variant: per step n_critic
// critic updates on fresh real batches (the one sample order) and one generator update; metrics
// summed on the device and read every log_every steps (the only host sync); fixed-noise sample
// grids every sample_every steps. On a 2-D toy set (a points source) the evaluation points
// every eval_every steps replace the grids: fixed-noise sample points, the critic's
// decision field and the mode metric. What happens at those points (file writes, progress
// lines) is the caller's, through LoopObserver.
#pragma once

#include <ATen/Context.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "models/decision_field.h"
#include "models/mode_coverage.h"
#include "models/variant.h"
#include "runner/run_settings.h"
#include "runner/step_graph.h"

namespace ganrun {

// One evaluation point of a toy run (all tensors float64 on the CPU).
struct ToyEval {
  torch::Tensor points;  // [N, 2]: G(the fixed noise) in eval mode
  torch::Tensor field;   // [R, R]: the critic's raw output, field[iy][ix] (models/decision_field.h)
  models::FieldExtent extent;  // what the field spans (the data's extent plus a margin)
  torch::Tensor centres;       // [K, 2]: the set's mode centres (K = 0: no modes)
  double sigma = 0;            // the modes' standard deviation
  std::optional<models::ModeCoverage> coverage;  // the mode metric, when the set has modes
  double seconds = 0;                            // what this evaluation took
};

class LoopObserver {
 public:
  virtual ~LoopObserver() = default;
  // steps_done = step index + 1; means in the variant's metric_names() order.
  virtual void on_metrics(int64_t steps_done, const std::vector<double>& means) = 0;
  // Fixed-noise samples as uint8 [N, C, H, W].
  virtual void on_samples(int64_t steps_done, const torch::Tensor& images_u8) = 0;
  // Toy runs only, at each evaluation point (instead of on_samples).
  virtual void on_points(int64_t /*steps_done*/, const ToyEval& /*eval*/) {}
};

struct LoopResult {
  bool diverged = false;
  bool preempted = false;  // stopped by a signal (runner/stop_request.h) before the end
  int64_t stop_step = -1;
  std::string message;  // which metric went non-finite, when diverged; the signal, preempted
};

// CUDA's float32 matrix products and convolutions in full precision (IEEE) or TF32 for as long
// as the scope lives, restored afterwards. A run trains under its `reduced_precision`;
// evaluation always runs in full precision (so scores stay comparable across runs). LibTorch
// allows TF32 in cuDNN convolutions by default: `none` turns that off too.
class Float32Precision {
 public:
  explicit Float32Precision(const std::string& reduced_precision);  // none | tf32
  ~Float32Precision();
  Float32Precision(const Float32Precision&) = delete;
  Float32Precision& operator=(const Float32Precision&) = delete;

 private:
  at::Float32Precision matmul_, conv_;  // the settings before
};

struct LoopSetup {
  const RunSettings* settings = nullptr;
  std::string run_id;  // for the test-only failure hook
  int64_t total_steps = 0;
  models::BatchSlice slice;  // this process's part of the global batch
  const models::BatchReducer* reducer = nullptr;
  const models::GradientSync* sync_gradients = nullptr;
  // Data-parallel runs: replaces each log point's metric means by their mean over the group,
  // so every rank records and judges divergence on the same numbers (null: local means).
  std::function<void(std::vector<double>&)> reduce_metrics;
  int64_t fixed_samples = 64;
  torch::Device device = torch::kCPU;  // where batches, noise and the models live
  // Evaluation points every eval_every steps (0: none) and, when eval_at_end, at the last
  // step. Toy runs score toy_samples fixed-noise points there (2,500 as in the mode-collapse
  // studies, observer.on_points); image runs call `evaluate` (null: no image evaluation).
  int64_t eval_every = 0;
  bool eval_at_end = false;
  // Also an evaluation point at step 0, before any update (eval_at_start: yes), when the run
  // starts from scratch (a resumed run has it already).
  bool eval_at_start = false;
  int64_t toy_samples = 2500;
  std::function<void(int64_t steps_done, models::Variant&)> evaluate;
  // CUDA graphs (runner/step_graph.h): kCuda captures the step where the run allows it;
  // `notice` says once why a run that wanted them trains eagerly (default: stderr).
  GraphMode graphs = GraphMode::kOff;
  std::function<void(const std::string&)> notice;
  // Checkpoints and resume (runner/checkpoint.h). `restore`, when set, loads a checkpoint into
  // the variant and the loop's metric sums before the first step, which is then `start_step`
  // (the checkpoint's steps done). Every `checkpoint_every` steps (0: never), after that step's
  // log, sample and evaluation points, `checkpoint(steps_done, variant, metrics)` is called.
  int64_t start_step = 0;
  std::function<void(models::Variant&, models::MetricAccumulator&)> restore;
  int64_t checkpoint_every = 0;
  std::function<void(int64_t, models::Variant&, const models::MetricAccumulator&)> checkpoint;
  // Asked at every step boundary: true stops the loop there (a signal, runner/stop_request.h),
  // after a checkpoint of that step when `checkpoint` is set. A data-parallel group's answer is
  // the group's (every rank stops at the same step). Null: never.
  std::function<bool()> should_stop;
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

// The step graph of a loop over `setup` (the run's or the pack's variant).
std::unique_ptr<StepGraph> make_step_graph(const LoopSetup& setup, models::Variant& variant);

// The set-up of a run whose whole global batch is computed in this process: the full slice,
// the identity reducer and no gradient synchronisation.
LoopSetup single_process_setup(const RunSettings& settings, std::string run_id, int64_t total_steps,
                               torch::Device device);

// Images in the training range ([-1, 1] for "pm1", [0, 1] for "01") to uint8 [0, 255] (round
// to nearest, clamped). Throws std::invalid_argument for another pixel_range.
torch::Tensor to_uint8_images(const torch::Tensor& images, const std::string& pixel_range = "pm1");

// A toy run's evaluation: G(fixed_z) as points, the critic's field over the extent, and the
// mode metric against the set's centres. The critic is the first of variant.networks() that is
// a CriticNet (none: the field is left undefined).
ToyEval evaluate_toy(models::Variant& variant, const torch::Tensor& fixed_z,
                     const data::ToySet& set, const models::FieldExtent& extent);

// ---- pieces of a step loop, shared by train_loop and the packed loop (runner/packed_loop.h) ----

// Step `step`'s context: its epoch, whether it ends one, and the set-up's noise, reducer and
// gradient hook (critic_iter is the caller's).
models::StepContext step_context(int64_t step, int64_t steps_per_epoch,
                                 const models::NoiseSource& noise, const LoopSetup& setup);

// One step's updates, the part a CUDA graph captures: a critic update on each real batch
// (ctx.critic_iter 0..n-1), then the generator update (critic_iter n: its noise key follows the
// critic draws).
void step_updates(models::Variant& variant, models::StepContext& ctx,
                  const std::vector<models::RealBatch>& batches,
                  models::MetricAccumulator& metrics);

// `epoch_tail: critic` (WGAN.py, WGAN_GP.py): after the last step of an epoch, one critic update
// on each batch the epoch's steps left over, batches [first_batch, end_batch) (the epoch's
// batches mod n_critic), keyed critic_iter n_critic + 1 + j (the generator took n_critic).
// `real_batch(b)` is batch b of the step's epoch. No-op unless ctx.epoch_end.
void epoch_tail_updates(models::Variant& variant, models::StepContext ctx, int64_t n_critic,
                        int64_t first_batch, int64_t end_batch,
                        const std::function<models::RealBatch(int64_t)>& real_batch,
                        models::MetricAccumulator& metrics);

// The divergence message of a log point ("<metric> is <value> at step <n>" for the first metric
// recorded in the interval whose mean is not finite), "" when there is none. A metric the
// variant did not record in the interval is not a divergence.
std::string divergence_message(const std::vector<std::string>& names,
                               const std::vector<bool>& sampled, const std::vector<double>& means,
                               int64_t steps_done);

// What a run records after step `steps_done` besides metrics: on a toy set the evaluation point
// (when `eval_point`: points, field, modes, timed) to observer.on_points; on images the
// set-up's evaluation (when `eval_point`) and the fixed-noise grid (when `sample_point`).
struct PointInputs {
  const torch::Tensor& fixed_z;
  const data::ToySet* toy;  // null: an image run
  const models::FieldExtent& toy_extent;
  const std::string& pixel_range;
};
void record_points(models::Variant& variant, const PointInputs& in, const LoopSetup& setup,
                   int64_t steps_done, bool eval_point, bool sample_point, LoopObserver& observer);

// A real batch for the rows `idx` in the run's dtype: toy points as [k, 2], images scaled to
// the pixel range.
torch::Tensor real_rows(data::BatchSource& source, const torch::Tensor& idx, torch::Device device,
                        torch::Dtype dtype, const std::string& pixel_range);

// Test-only hooks: GANRUN_TEST_THROW="<run-id substring>@<step>" makes a matching run throw at
// that step, so tests can make one run of a sweep fail; GANRUN_TEST_KILL (same form) makes the
// process SIGKILL itself there (resume tests).
void maybe_throw_test_failure(const std::string& run_id, int64_t step);

}  // namespace ganrun
