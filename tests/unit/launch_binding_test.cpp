// tests/unit/launch_binding_test.cpp — the pure rules of launch/: intra-op threads per rank from
// the node's affinity masks, rank -> GPU and the "more ranks than GPUs" message, run groups.
// (The collectives around them run under mpiexec in tests/mpi/work_queue_test.cpp.)
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "launch/cpu_binding.h"
#include "launch/device_binding.h"
#include "launch/groups.h"

namespace {

using ganrun::launch::CpuMask;
using ganrun::launch::gpu_for_peer;
using ganrun::launch::GpuPeers;
using ganrun::launch::threads_for;

CpuMask cores(int first, int last) {
  CpuMask m;
  for (int c = first; c <= last; ++c) m.set(static_cast<size_t>(c));
  return m;
}

TEST(CpuThreads, UnboundRanksShareTheNodeEvenly) {
  // 4 ranks, each mask = the whole 8-core node: 8 / 4 = 2 threads each.
  const std::vector<CpuMask> node(4, cores(0, 7));
  for (int r = 0; r < 4; ++r) EXPECT_EQ(threads_for(node, r), 2);
  // 3 ranks on 8 cores: floor(8 / 3) = 2, never 3 (3 x 3 = 9 > 8 would oversubscribe).
  EXPECT_EQ(threads_for(std::vector<CpuMask>(3, cores(0, 7)), 0), 2);
}

TEST(CpuThreads, BoundRanksUseTheirWholeBinding) {
  // Open MPI with 2 ranks binds each to a core: 1 thread each, not 2 / 2 of the node.
  EXPECT_EQ(threads_for({cores(0, 0), cores(1, 1)}, 0), 1);
  EXPECT_EQ(threads_for({cores(0, 0), cores(1, 1)}, 1), 1);
  // --map-by slot:PE=4: ranks bound to 4 cores each use all 4.
  EXPECT_EQ(threads_for({cores(0, 3), cores(4, 7)}, 1), 4);
}

TEST(CpuThreads, RanksBoundToOneSocketShareIt) {
  // Open MPI binds > 2 ranks to a socket: ranks 0, 1 on cores 0-3, ranks 2, 3 on cores 4-7.
  // Each socket's 4 cores are shared by its 2 ranks: 2 threads each (4 would oversubscribe).
  const std::vector<CpuMask> node{cores(0, 3), cores(0, 3), cores(4, 7), cores(4, 7)};
  for (int r = 0; r < 4; ++r) EXPECT_EQ(threads_for(node, r), 2);
}

TEST(CpuThreads, AloneOnTheNodeUsesEveryCoreAndAtLeastOne) {
  EXPECT_EQ(threads_for({cores(0, 15)}, 0), 16);
  // 3 ranks squeezed onto one core still get one thread each.
  EXPECT_EQ(threads_for(std::vector<CpuMask>(3, cores(2, 2)), 1), 1);
}

TEST(GpuBinding, PeersTakeGpusRoundRobin) {
  // 4 peers on 4 GPUs: peer i -> GPU i.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gpu_for_peer(GpuPeers{i, 4}, 4, 1), i);
  // 4 peers on 2 GPUs with --ranks-per-gpu 2: 0 -> 0, 1 -> 1, 2 -> 0, 3 -> 1, so consecutive
  // ranks (one data-parallel group) land on different GPUs.
  const std::vector<int> expected{0, 1, 0, 1};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gpu_for_peer(GpuPeers{i, 4}, 2, 2), expected[i]);
  // Under --gpus-per-task each rank sees one GPU and is its only peer: GPU 0, no error.
  EXPECT_EQ(gpu_for_peer(GpuPeers{0, 1}, 1, 1), 0);
}

TEST(GpuBinding, MoreRanksThanGpusIsAnErrorNamingCountsAndFix) {
  try {
    gpu_for_peer(GpuPeers{2, 3}, 2, 1);
    FAIL() << "3 ranks on 2 GPUs without --ranks-per-gpu must be refused";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("3 ranks on this node but 2 GPU(s)"), std::string::npos) << m;
    // ceil(3 / 2) = 2 ranks per GPU would fit them.
    EXPECT_NE(m.find("--ranks-per-gpu 2"), std::string::npos) << m;
  }
  // 5 ranks on 2 GPUs need ceil(5 / 2) = 3 per GPU: 2 is still too few.
  EXPECT_THROW(gpu_for_peer(GpuPeers{0, 5}, 2, 2), std::invalid_argument);
  EXPECT_EQ(gpu_for_peer(GpuPeers{4, 5}, 2, 3), 0);  // 4 mod 2
  EXPECT_THROW(gpu_for_peer(GpuPeers{0, 1}, 0, 1), std::invalid_argument);
  EXPECT_THROW(gpu_for_peer(GpuPeers{0, 1}, 1, 0), std::invalid_argument);
}

TEST(RunGroups, ConsecutiveRanksFormAGroup) {
  // 6 ranks in groups of 2: {0,1} {2,3} {4,5}; groups of 3: {0,1,2} {3,4,5}.
  const std::vector<int> of2{0, 0, 1, 1, 2, 2}, of3{0, 0, 0, 1, 1, 1};
  for (int r = 0; r < 6; ++r) {
    EXPECT_EQ(ganrun::launch::group_index_of(r, 2), of2[r]);
    EXPECT_EQ(ganrun::launch::group_index_of(r, 3), of3[r]);
    EXPECT_EQ(ganrun::launch::group_index_of(r, 1), r);
  }
}

}  // namespace
