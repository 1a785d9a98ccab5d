// runner/plan_report.h — what rank 0 says about a plan (STYLE.md "say the configuration once"):
// the plan table before the runs (version, ranks with their hosts, devices and threads, then
// one row per run with its settings and steps) and the summary table after them (each run's
// status, steps done, last losses and file). Reads run files; writes only to stdout/stderr.
#pragma once

#include <torch/types.h>  // torch::Device

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "launch/mpi_session.h"
#include "launch/process_group.h"
#include "runner/sweep_config.h"

namespace ganrun {

// What this rank got, as one tab-separated row (rank, host, local rank, group, device,
// threads), to be gathered on rank 0 for print_plan.
std::string describe_rank(const launch::MpiSession& mpi, const launch::ProcessGroup& group,
                          const torch::Device& device, int threads);

// The plan to stderr: `ranks` are describe_rank rows, `steps` each run's step count, `packs`
// the runs that train together (runner/pack_plan.h): a `pack` column ("2/4": pack 2, 4 members;
// "-": alone) and, under pack auto, why a run trains alone; `pack_notes` (auto's measured
// choices, runner/pack_probe.h) follow the packing line.
void print_plan(const SweepPlan& plan, const std::vector<int64_t>& steps,
                const std::vector<std::string>& ranks, int groups,
                const std::vector<std::vector<int64_t>>& packs,
                const std::vector<std::string>& pack_notes = {});

// The summary to stdout from the run files in runs_dir, and a line per run that did not
// complete with its status, stop step and error.
void print_summary(const SweepPlan& plan, const std::vector<int64_t>& steps,
                   const std::filesystem::path& runs_dir);

}  // namespace ganrun
