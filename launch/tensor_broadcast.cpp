// launch/tensor_broadcast.cpp — bucketed broadcast from the group root (see header).
#include "launch/tensor_broadcast.h"

#include "launch/gradient_allreduce.h"  // for_each_flat_bucket, kDefaultBucketBytes

namespace ganrun::launch {

void broadcast_from_root(GroupCollectives& collectives, const std::vector<torch::Tensor>& tensors) {
  if (collectives.size() == 1) return;
  for_each_flat_bucket(tensors, kDefaultBucketBytes,
                       [&](torch::Tensor& flat) { collectives.broadcast_in_place(flat, 0); });
}

}  // namespace ganrun::launch
