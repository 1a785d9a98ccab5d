// runner/resume_plan.h — what a rerun of a sweep must honour from its earlier attempts before
// it plans anything new: packs that hold a checkpoint resume as the same pack (a pack's
// membership is fixed at its first start: its run files' `pack_members`), and a checkpoint
// written by a data-parallel group resumes only on a group of that size. Read by rank 0 from
// the out folder (runner/plan_execution.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "runner/sweep_config.h"

namespace ganrun {

// A pack of an earlier attempt to resume: its members (plan indices, in pack order), and which
// of them ended before (diverged, or completed when that attempt was killed between its
// members' final commits): they train frozen and keep their files as they are.
struct RecordedPack {
  std::vector<int64_t> members;
  std::vector<bool> finished;
  int64_t step = 0;  // its newest checkpoint
};

// The packs among the runs `todo` (plan indices) whose run files name a pack of two or more
// that has a checkpoint for groups of plan.ranks_per_run ranks, every member still in the plan
// (the ones not in `todo` ended: diverged or completed). Runs of `todo` in no such pack are left to
// plan_packs.
std::vector<RecordedPack> recorded_packs(const SweepPlan& plan, const std::vector<int64_t>& todo,
                                         const std::filesystem::path& runs_dir);

// ConfigError (exit 2) naming the first run of `todo` whose checkpoints (alone or as a pack's
// first member) were written by a group of another size than plan.ranks_per_run and none by
// one of this size, with the fix (that group size, or --force).
void check_checkpoint_groups(const SweepPlan& plan, const std::vector<int64_t>& todo,
                             const std::filesystem::path& runs_dir);

}  // namespace ganrun
