// runner/checkpoint.h — a run's checkpoints: everything its training needs to continue exactly
// (models::Variant::save_training_state: nets, optimisers, the variant's own state; the metric
// sums of the log interval in progress; the step), one file per checkpointed step under
// <out>/checkpoints/<run id>/step-<S>.pt (LibTorch's archive format). A pack keeps one set for
// all its members under <out>/checkpoints/pack-<first member's id>; a data-parallel group of G
// ranks keeps one file per rank and step, step-<S>.rank-<R>-of-<G>.pt (BatchNorm's running
// statistics and the metric sums are each rank's own). Each file is written atomically
// (common/atomic_file.h: temp file, fsync, rename), the two newest steps are kept, and all go
// when the run completes. The run file is committed up to step S before checkpoint S is written,
// so a checkpoint never points past the file (runner/run_executor.cpp).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "models/metric_accumulator.h"
#include "models/variant.h"

namespace ganrun {

class CheckpointStore {
 public:
  // The checkpoints of run `run_id` of the sweep whose run files are in `runs_dir`
  // (<out>/runs): <out>/checkpoints/<run_id>, written by rank `group_rank` of a group of
  // `group_size` ranks.
  CheckpointStore(const std::filesystem::path& runs_dir, const std::string& run_id,
                  int group_rank = 0, int group_size = 1);
  // A pack's: <out>/checkpoints/pack-<first member>, its archives naming every member.
  static CheckpointStore for_pack(const std::filesystem::path& runs_dir,
                                  const std::vector<std::string>& member_ids, int group_rank = 0,
                                  int group_size = 1);

  // Checkpoint `step` (steps done) of `variant` with the interval's metric sums; then removes
  // this rank's files but the two newest. Throws std::runtime_error naming the file on an I/O
  // error.
  void write(int64_t step, models::Variant& variant, const models::MetricAccumulator& metrics);
  // The newest step every rank of the group has a checkpoint of, or nullopt when there is none.
  std::optional<int64_t> latest() const;
  // Loads this rank's checkpoint `step` into a variant built from the run's config (before its
  // first step) and into `metrics`, tensors onto `device`. Throws std::runtime_error naming the
  // file when it is unreadable or does not fit the run (another run, pack or group).
  void load(int64_t step, models::Variant& variant, models::MetricAccumulator& metrics,
            torch::Device device) const;
  // Deletes the run's checkpoints, every rank's (a completed run, or --force).
  void remove_all() const;
  std::filesystem::path path_of(int64_t step) const;  // this rank's
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct InFolder {};  // the folder itself, not a run's folder under <out>/checkpoints
  CheckpointStore(InFolder, std::filesystem::path dir, std::string archive_id, int group_rank,
                  int group_size);
  std::filesystem::path dir_;
  std::string archive_id_;  // the run's id, or the pack's member ids joined by ','
  int group_rank_ = 0, group_size_ = 1;
};

// <out>/checkpoints for the run files' folder <out>/runs.
std::filesystem::path checkpoints_dir(const std::filesystem::path& runs_dir);

// The folder name of the pack whose first member is `first_id` ("pack-<id>").
std::string pack_checkpoint_name(const std::string& first_id);

// The group sizes the checkpoints in `dir` were written by (1 for a run on one rank); empty
// when it holds none. A resume on another group size is refused (runner/plan_execution.cpp).
std::set<int> checkpoint_group_sizes(const std::filesystem::path& dir);

}  // namespace ganrun
