// launch/cpu_binding.cpp — threads per rank from the affinity mask (see header).
#include "launch/cpu_binding.h"

#include <sched.h>   // sched_getaffinity, CPU_COUNT
#include <unistd.h>  // sysconf

#include <algorithm>

namespace ganrun::launch {

int cores_in_affinity_mask() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

int threads_for_rank(int local_size) {
  const int mask = cores_in_affinity_mask();
  const int online = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  // A mask narrower than the node means mpirun (or Slurm) bound this rank: use what it got.
  if (mask < online || local_size <= 1) return mask;
  return std::max(1, online / local_size);
}

}  // namespace ganrun::launch
