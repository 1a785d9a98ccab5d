// launch/tensor_broadcast.h — makes every rank of a group hold the root's values of a list of
// tensors (a data-parallel run's parameters and buffers at its start), in flat buckets of one
// dtype, one broadcast per bucket. Knows nothing of GANs.
#pragma once

#include <torch/types.h>

#include <vector>

#include "launch/collectives.h"

namespace ganrun::launch {

// Overwrites each tensor (in place, without recording gradients) with the group root's value.
// Every rank must pass tensors of the same shapes and dtypes in the same order.
void broadcast_from_root(GroupCollectives& collectives, const std::vector<torch::Tensor>& tensors);

}  // namespace ganrun::launch
