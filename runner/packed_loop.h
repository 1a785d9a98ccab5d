// runner/packed_loop.h — the step loop of a packed run: K grid points trained as one stacked
// model (models/pack_ops.h). Each step joins every member's own real batches (its seed's sample
// order) and noise in the packed layout and runs the packed variant's critic and generator
// updates once for all members. At log points each member's metric row goes to its own observer
// and a member whose metrics are not finite is frozen (its updates masked) and reported
// diverged while the others go on. Sample grids and evaluation points are each member's, drawn
// from its member variant after its slice of the packed nets is copied in, through the same
// code an unpacked run uses.
#pragma once

#include <functional>
#include <vector>

#include "data/batch_source.h"
#include "models/variant.h"
#include "runner/train_loop.h"

namespace ganrun {

// `setups[k]` and `observers[k]`: member k's loop set-up (its settings, run id, evaluation
// hook; total steps, slice and device are the same for every member) and observer.
// `diverged(k, result)` is called at the log point where member k diverged (its run file can
// say so then). The pack's checkpoints and resume are the first set-up's (start_step, restore,
// checkpoint_every, checkpoint: runner/checkpoint.h); `finished[k]` marks a member that ended
// in an earlier attempt of a resumed pack: frozen from the start, it records nothing
// (empty: none). Returns each member's result. Throws StepError (the whole pack failed at that
// step) for an exception inside a step.
using MemberDiverged = std::function<void(size_t member, const LoopResult& result)>;
std::vector<LoopResult> train_packed_loop(models::PackedVariant& pack, data::BatchSource& source,
                                          const std::vector<LoopSetup>& setups,
                                          const std::vector<LoopObserver*>& observers,
                                          const MemberDiverged& diverged,
                                          const std::vector<bool>& finished = {});

}  // namespace ganrun
