// runner/plan_validation.h — everything about a run plan that can be checked before anything is
// written or printed, on every rank: the job's shape (ranks per run, ranks per GPU), the out
// folder, the device, the data (opened, and verified on request), each run's step count and,
// for sweeps, the sweep already stored in the out folder. A failure is one ConfigError or
// DataError message naming the input and the fix (exit 2).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "launch/device_binding.h"
#include "launch/mpi_session.h"
#include "runner/plan_execution.h"

namespace ganrun {

// What validation opened and computed, for the runs to use.
struct Validated {
  torch::Device device = torch::kCPU;
  std::map<std::string, std::unique_ptr<data::BatchSource>> sources;  // by dataset_key
  std::vector<int64_t> steps;                                         // per run, plan order
};

// The key under which runs share one opened data set: name, folder and split.
std::string dataset_key(const RunSettings& s);

// The checks that depend only on the plan and the world size, the same on every rank (so the
// ConfigError is said once, by rank 0): a single run on several ranks needs --data-parallel,
// ranks_per_run must fit the world and every batch, --ranks-per-gpu >= 1.
void check_job_shape(const SweepPlan& plan, const ExecutionOptions& options, int world_size);

// "" when `ranks_per_run` fits a world of `world_size` ranks and every run's batch, else the
// message for the user (exit 2).
std::string ranks_per_run_error(const SweepPlan& plan, int world_size);

// "" when `out` is a folder this process may write into, or one it can create (its deepest
// existing part is a writable folder), else the message naming the path and the fix.
std::string out_folder_error(const std::filesystem::path& out);

// A --device value: auto, cpu or cuda; ConfigError naming the flag and the choices otherwise.
void check_device_flag(const std::string& device);

// Whether a process asking for `wanted` (auto | cpu | cuda) runs on CUDA: auto does when a GPU
// is visible; cuda where none is visible is a ConfigError with the fix.
bool runs_on_cuda(const std::string& wanted);

// Everything else, in the order a user would fix it: the out folder, the device, the data
// (verified first under options.verify; rank 0 prints what it verified), each run's steps, and
// the sweep stored in out. Throws ConfigError or DataError.
Validated validate_plan(const SweepPlan& plan, const ExecutionOptions& options,
                        const launch::MpiSession& mpi, const launch::GpuPeers& peers);

}  // namespace ganrun
