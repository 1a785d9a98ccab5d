// runner/pack_executor.h — runs one pack of grid points (runner/pack_plan.h) from start to end as
// one stacked model (runner/packed_loop.h): every member keeps its own run file, id, PNG grid,
// progress line and status, exactly as if it had trained alone, plus the attributes pack_size
// and pack_members. A member that diverges ends `diverged` at its log point while the others go
// on; an exception inside a step fails every member still training. A pack checkpoints as one
// (runner/checkpoint.h, <out>/checkpoints/pack-<first member>) and resumes as the same pack: its
// membership is fixed at its first start (runner/plan_execution.cpp finds it again).
#pragma once

#include <vector>

#include "data/batch_source.h"
#include "runner/run_executor.h"
#include "runner/sweep_config.h"

namespace ganrun {

// `specs`: the members, in pack order (equal settings but for seed, lr_g, lr_d, beta1, beta2).
// One result per member. Called on every rank of the group that drew the pack: a group of k
// ranks trains it data-parallel (the root writes the files; the others print final lines).
// `finished[k]` (empty: none) marks a member of a resumed pack that ended in an earlier attempt:
// it trains frozen, its file is left as it is, and its result means nothing (the caller skips
// it). Never throws for a problem inside the runs; throws only if a run file cannot be
// written.
std::vector<RunResult> execute_pack(const std::vector<const RunSpec*>& specs,
                                    data::BatchSource& source, const RunEnvironment& env,
                                    const std::vector<bool>& finished = {});

}  // namespace ganrun
