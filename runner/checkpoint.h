// runner/checkpoint.h — a run's checkpoints: everything its training needs to continue exactly
// (models::Variant::save_training_state: nets, optimisers, the variant's own state; the metric
// sums of the log interval in progress; the step), one file per checkpointed step under
// <out>/checkpoints/<run id>/step-<S>.pt (LibTorch's archive format). Each is written atomically
// (common/atomic_file.h: temp file, fsync, rename), the two newest are kept, and all go when the
// run completes. The run file is committed up to step S before checkpoint S is written, so a
// checkpoint never points past the file (runner/run_executor.cpp).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "models/metric_accumulator.h"
#include "models/variant.h"

namespace ganrun {

class CheckpointStore {
 public:
  // The checkpoints of run `run_id` of the sweep whose run files are in `runs_dir`
  // (<out>/runs): <out>/checkpoints/<run_id>.
  CheckpointStore(const std::filesystem::path& runs_dir, const std::string& run_id);

  // Checkpoint `step` (steps done) of `variant` with the interval's metric sums; then removes
  // all but the two newest. Throws std::runtime_error naming the file on an I/O error.
  void write(int64_t step, models::Variant& variant, const models::MetricAccumulator& metrics);
  // The newest checkpoint's step, or nullopt when there is none.
  std::optional<int64_t> latest() const;
  // Loads checkpoint `step` into a variant built from the run's config (before its first step)
  // and into `metrics`, tensors onto `device`. Throws std::runtime_error naming the file when
  // it is unreadable or does not fit the run.
  void load(int64_t step, models::Variant& variant, models::MetricAccumulator& metrics,
            torch::Device device) const;
  // Deletes the run's checkpoints (a completed run, or --force).
  void remove_all() const;
  std::filesystem::path path_of(int64_t step) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string run_id_;
};

// <out>/checkpoints for the run files' folder <out>/runs.
std::filesystem::path checkpoints_dir(const std::filesystem::path& runs_dir);

}  // namespace ganrun
