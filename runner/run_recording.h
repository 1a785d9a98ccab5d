// runner/run_recording.h — what a run records while it trains, shared by unpacked and packed
// runs: the run file's attributes, the generator's arrays, and the loop observer that appends
// metric rows, sample grids (HDF5 + PNG) and toy evaluation points to the run file and prints
// the progress line, committing snapshots on a time interval.
#pragma once

#include <torch/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "launch/process_group.h"
#include "runner/checkpoint.h"
#include "runner/progress.h"
#include "runner/run_executor.h"
#include "runner/run_file.h"
#include "runner/train_loop.h"

namespace ganrun {

// The run file's attributes at the start of a run (README "HDF5 layout").
AttrMap run_attrs(const RunSpec& spec, const RunEnvironment& env, const data::BatchSource& dataset,
                  int64_t steps);

// A tensor as a named float32 (float64 stays float64) array of the run file.
NamedArray to_named_array(const std::string& name, const torch::Tensor& t);

// A tensor's bytes, contiguous, from the host.
std::vector<uint8_t> tensor_bytes(const torch::Tensor& t);

class FileObserver final : public LoopObserver {
 public:
  FileObserver(RunFileWriter& writer, ProgressReporter& progress, std::filesystem::path png,
               const std::vector<std::string>& names);

  void on_metrics(int64_t steps_done, const std::vector<double>& means) override;
  void on_samples(int64_t steps_done, const torch::Tensor& images_u8) override;
  // Toy evaluation points come every ~100 steps: commit them on the log points' interval, not
  // each time (a commit rewrites the whole file).
  void on_points(int64_t steps_done, const ToyEval& eval) override;

  void commit();
  // Commits at most every commit_interval_s (an evaluation row between log points).
  void maybe_commit();
  double toy_eval_seconds() const { return toy_eval_seconds_; }
  double seconds() const;
  double commit_seconds() const { return commit_seconds_; }  // time spent writing snapshots

 private:
  RunFileWriter& writer_;
  ProgressReporter& progress_;
  std::filesystem::path png_;
  int d_index_ = -1, g_index_ = -1;
  bool toy_declared_ = false;
  double toy_eval_seconds_ = 0, commit_seconds_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_commit_ = start_;
};

// A rank of a data-parallel group other than its root records nothing: the root writes the
// file and the PNG from the group's averaged metrics.
class QuietObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

// Ends a run's file: what evaluation (`eval_s`) and snapshots cost, the end time and the
// status, committed; then the run's last progress line: "completed<suffix>" or "<status> at
// step N: <error><suffix>", followed by evaluation's share of the run when it had any.
void finish_run_file(RunFileWriter& writer, const FileObserver& observer,
                     ProgressReporter& progress, double eval_s, const std::string& status,
                     const std::string& error, int64_t stop_step, const std::string& suffix = "");

// What this attempt at a run is: its number (attrs `attempts`) and the checkpoint step it
// resumes from (attrs `resumed_from_step`; 0 = from the start).
struct ResumedAttempt {
  int64_t number = 1;
  int64_t from_step = 0;
};

// Takes over the rows of an earlier attempt's file `path` up to `checkpoint_step` (resume) and
// counts the attempt; a run restarted without a checkpoint counts its attempts too. A file the
// interrupted attempt left unreadable starts the run over (said on stderr).
ResumedAttempt start_attempt(RunFileWriter& writer, const std::filesystem::path& path,
                             std::optional<int64_t> checkpoint_step);

// A run's (or a pack's) checkpoints on its loop set-up (runner/checkpoint.h): from `from_step`
// (> 0: every rank of `group` loads its own checkpoint of that step before the first step, and
// all fail together when one cannot) and every `every` steps (0: only when a signal stops it).
// `commit_first` (the root's run files; null on the other ranks) runs before each write, so a
// checkpoint never points past the file. `store` must outlive the loop.
void attach_checkpoints(LoopSetup& setup, CheckpointStore& store, int64_t from_step, int64_t every,
                        const launch::ProcessGroup& group, std::function<void()> commit_first);

}  // namespace ganrun
