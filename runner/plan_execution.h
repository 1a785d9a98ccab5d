// runner/plan_execution.h — carries out a run plan on the MPI ranks of this job, the part that
// `ganrun --sweep` and `ganrun train` share: validate everything on every rank before anything
// is written (one message, exit 2, from the lowest failing rank), print the plan, write the
// sweep index, train each rank's runs (static round-robin), skip finished ones, agree on one
// exit code, print the summary.
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
  bool verify = false;  // check data files against the published checksums before training
  std::string command_line;
};

// Returns the exit code agreed by all ranks.
int execute_plan(const SweepPlan& plan, const ExecutionOptions& options,
                 const launch::MpiSession& mpi);

// Static round-robin: run i goes to rank i mod size.
int assigned_rank(size_t run_index, int world_size);

}  // namespace ganrun
