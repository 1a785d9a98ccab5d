// runner/run_executor.h — runs one grid point from start to end: builds the variant, drives
// the step loop (runner/train_loop.h), owns the run's HDF5 file and PNG grid, and turns every
// way a run can end into a status in its file: completed, diverged (NaN/Inf losses) or failed
// (an exception, with its message and stop_step).
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <string>

#include "data/batch_source.h"
#include "launch/process_group.h"
#include "runner/step_graph.h"
#include "runner/sweep_config.h"

namespace ganrun {

struct RunEnvironment {
  torch::Device device = torch::kCPU;
  int rank = 0;     // shown in progress lines
  int threads = 1;  // intra-op threads of this process (recorded in the file)
  std::string command_line;
  std::filesystem::path runs_dir;
  // The ranks training this run together; size 1 = this process alone. Only the group's root
  // writes the run file.
  launch::ProcessGroup group;
  GraphMode graphs = GraphMode::kOff;  // CUDA graphs (runner/step_graph.h)
  // Resume a run from its newest checkpoint when it has one (runner/checkpoint.h); false
  // (--force) deletes its checkpoints and starts it over.
  bool resume = true;
};

// kPreempted: stopped by a signal (runner/stop_request.h), resumable.
enum class RunOutcome { kCompleted, kDiverged, kFailed, kPreempted };

struct RunResult {
  RunOutcome outcome = RunOutcome::kFailed;
  int64_t stop_step = -1;
  std::string message;
};

// `source` serves batches on env.device. Never throws for a problem inside the run: that is
// recorded as `failed`; throws only if the run file itself cannot be written at all.
RunResult execute_run(const RunSpec& spec, data::BatchSource& source, const RunEnvironment& env);

std::filesystem::path run_file_path(const std::filesystem::path& runs_dir, const std::string& id);
std::filesystem::path run_png_path(const std::filesystem::path& runs_dir, const std::string& id);

// "completed", "diverged" or "failed": the status a run file and the assignment log record.
const char* outcome_name(RunOutcome outcome);

// Steps of a run: `steps`, or epochs x floor(floor(N / batch) / n_critic). Throws ConfigError
// when the data set is too small for one step (batch > N, or batch x n_critic > N, with steps
// as with epochs: the step loop counts epochs in steps) or the count does not fit an int64_t.
int64_t total_steps(const RunSettings& s, int64_t dataset_size);

// Generator steps in one epoch, floor(floor(N / batch) / n_critic), at least 1: what an interval
// in epochs ({epochs: N}) counts.
int64_t steps_per_epoch(const RunSettings& s, int64_t dataset_size);

}  // namespace ganrun
