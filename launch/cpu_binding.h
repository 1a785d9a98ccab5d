// launch/cpu_binding.h — how many intra-op threads a rank may use without oversubscribing the
// node: the cores in its affinity mask (mpirun's binding), or, when the rank is not bound
// (its mask is the whole node), the node's cores shared evenly among the node's ranks.
#pragma once

namespace ganrun::launch {

int cores_in_affinity_mask();
int threads_for_rank(int local_size);

}  // namespace ganrun::launch
