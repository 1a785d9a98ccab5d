// launch/cpu_binding.cpp — threads per rank from the node's affinity masks (see header).
#include "launch/cpu_binding.h"

#include <sched.h>  // sched_getaffinity, CPU_ISSET

#include <algorithm>
#include <cstdint>

#include "launch/mpi_check.h"

namespace ganrun::launch {

CpuMask affinity_mask() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CpuMask mask;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return mask.set();
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) mask.set(static_cast<size_t>(cpu));
  return mask;
}

int threads_for(const std::vector<CpuMask>& node_masks, int me) {
  const CpuMask& mine = node_masks.at(static_cast<size_t>(me));
  int sharers = 0;
  for (const auto& other : node_masks)
    if ((other & mine).any()) ++sharers;
  return std::max<int>(1, static_cast<int>(mine.count()) / std::max(1, sharers));
}

int threads_for_rank(const MpiSession& mpi) {
  // A bitset has no portable byte layout: send the mask as 0/1 bytes, one per CPU.
  const CpuMask mine = affinity_mask();
  std::vector<uint8_t> bytes(CPU_SETSIZE);
  for (size_t cpu = 0; cpu < bytes.size(); ++cpu) bytes[cpu] = mine.test(cpu) ? 1 : 0;
  std::vector<uint8_t> all(bytes.size() * static_cast<size_t>(mpi.local_size()));
  MPI_CHECK(MPI_Allgather(bytes.data(), CPU_SETSIZE, MPI_UINT8_T, all.data(), CPU_SETSIZE,
                          MPI_UINT8_T, mpi.node_comm()));
  std::vector<CpuMask> masks(static_cast<size_t>(mpi.local_size()));
  for (size_t r = 0; r < masks.size(); ++r)
    for (size_t cpu = 0; cpu < bytes.size(); ++cpu)
      if (all[r * bytes.size() + cpu]) masks[r].set(cpu);
  return threads_for(masks, mpi.local_rank());
}

}  // namespace ganrun::launch
