// runner/plan_execution.h — carries out a run plan on the MPI ranks of this job, the part that
// `ganrun --sweep` and `ganrun train` share: split the world into run groups (ranks_per_run),
// bind each rank to its device and threads, validate everything on every rank before anything
// is written or printed (one message, exit 2, from the lowest failing rank;
// runner/plan_validation.h), print the plan (runner/plan_report.h), write the sweep index,
// hand the runs to the groups dynamically (launch/work_queue.h), skip finished ones, log every
// assignment, agree on one exit code, print the summary.
#pragma once

#include <string>

#include "launch/mpi_session.h"
#include "runner/sweep_config.h"

namespace ganrun {

struct ExecutionOptions {
  bool dry_run = false;
  bool force = false;             // rerun runs whose files say completed or diverged
  bool write_sweep_index = true;  // false for `ganrun train`
  int threads = 0;                // 0: from the rank's cores (launch/cpu_binding.h)
  int ranks_per_gpu = 1;          // ranks of a node that may share one GPU (sweeps)
  bool verify = false;  // check data files against the published checksums before training
  // Capture each step as a CUDA graph where a run allows it: on CUDA by default; kOn also asks
  // for it where it cannot be (a notice per run says so), kOff never.
  enum class CudaGraphs { kDefault, kOn, kOff } cuda_graphs = CudaGraphs::kDefault;
  std::string command_line;
};

// --cuda-graphs / --no-cuda-graphs as ExecutionOptions::cuda_graphs (kDefault when neither is
// given: on for CUDA devices, see docs/speed.md). Both: ConfigError.
ExecutionOptions::CudaGraphs cuda_graphs_flag(bool on, bool off);

// Returns the exit code agreed by all ranks.
int execute_plan(const SweepPlan& plan, const ExecutionOptions& options,
                 const launch::MpiSession& mpi);

}  // namespace ganrun
