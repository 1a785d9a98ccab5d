// tests/mpi/work_queue_test.cpp — under mpiexec -n 4: the dynamic work queue hands out every
// task exactly once, to single ranks and to groups of 2 (whose ranks all see the same task);
// groups are consecutive ranks rooted at their lowest world rank; GPU peers and the check that
// a data-parallel group never shares a GPU; MPI_CHECK turns a failing call on the world or on a
// split communicator into an exception naming the call, file:line and MPI's message (instead
// of aborting). Launch code only: no GAN, no data.
#include "launch/work_queue.h"

#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "launch/cpu_binding.h"
#include "launch/device_binding.h"
#include "launch/groups.h"
#include "launch/mpi_check.h"
#include "launch/mpi_session.h"

namespace {

using namespace ganrun::launch;

struct Checks {
  int failed = 0;
  int rank = 0;
  void expect(bool ok, const std::string& what) {
    if (!ok) {
      ++failed;
      std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what.c_str());
    }
  }
};

// Every task this rank took, gathered on every rank: counts[t] = how many groups took task t.
std::vector<int> counts_over_roots(const std::vector<int64_t>& taken, bool is_root, int64_t tasks) {
  std::vector<int> mine(static_cast<size_t>(tasks), 0), all(static_cast<size_t>(tasks), 0);
  if (is_root)
    for (const int64_t t : taken) ++mine[static_cast<size_t>(t)];
  MPI_CHECK(MPI_Allreduce(mine.data(), all.data(), static_cast<int>(tasks), MPI_INT, MPI_SUM,
                          MPI_COMM_WORLD));
  return all;
}

void check_queue(const MpiSession& mpi, int ranks_per_group, int64_t tasks, Checks& c) {
  const GroupSplit split(mpi, ranks_per_group);
  const ProcessGroup& g = split.group();
  c.expect(g.index == mpi.rank() / ranks_per_group, "group index is world rank / k");
  c.expect(g.size == ranks_per_group, "group size is k");
  c.expect(g.rank == mpi.rank() % ranks_per_group, "the root is the lowest world rank");
  // Uneven work: group 0 holds its first task until every other group has run out of tasks
  // (each other root sends it a message then), so the others take all the rest. A static
  // round-robin would have given group 0 a share of about tasks / groups.
  const int tag = 1000 * ranks_per_group + static_cast<int>(tasks);
  const int other_roots = split.groups() - 1;
  bool others_done = false;
  auto wait_for_others = [&] {
    for (int i = 0; i < other_roots; ++i)
      MPI_CHECK(
          MPI_Recv(nullptr, 0, MPI_BYTE, MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    others_done = true;
  };
  std::vector<int64_t> taken;
  {
    WorkQueue queue(mpi, g, tasks);
    while (const auto t = queue.next()) {
      taken.push_back(*t);
      if (g.index == 0 && g.is_root() && !others_done) wait_for_others();
    }
    if (g.index == 0 && g.is_root() && !others_done) wait_for_others();
    if (g.index != 0 && g.is_root())
      MPI_CHECK(MPI_Send(nullptr, 0, MPI_BYTE, 0, tag, MPI_COMM_WORLD));
  }
  if (g.index == 0 && tasks > 0 && other_roots > 0)
    c.expect(taken.size() == 1, "k=" + std::to_string(ranks_per_group) +
                                    ": the held group took only its first task (took " +
                                    std::to_string(taken.size()) + ")");
  const auto counts = counts_over_roots(taken, g.is_root(), tasks);
  for (int64_t t = 0; t < tasks; ++t)
    c.expect(counts[static_cast<size_t>(t)] == 1,
             "k=" + std::to_string(ranks_per_group) + ": task " + std::to_string(t) +
                 " handed out " + std::to_string(counts[static_cast<size_t>(t)]) + " times");
  // The ranks of a group saw the same sequence: compare with the root's by broadcast.
  long long n = static_cast<long long>(taken.size());
  long long root_n = n;
  MPI_CHECK(MPI_Bcast(&root_n, 1, MPI_LONG_LONG, 0, g.comm));
  std::vector<int64_t> root_taken = taken;
  root_taken.resize(static_cast<size_t>(root_n));
  MPI_CHECK(MPI_Bcast(root_taken.data(), static_cast<int>(root_n), MPI_INT64_T, 0, g.comm));
  c.expect(root_taken == taken, "every rank of a group gets the root's tasks");
}

// A broadcast from a root that does not exist (rank `size` of a communicator of `size` ranks)
// fails on every rank at once (MPI_ERR_ROOT), so no rank waits for another. With the handler
// MpiSession sets (inherited by split communicators) the code comes back to MPI_CHECK, whose
// exception must read "<the call> failed at work_queue_test.cpp:<line>: <MPI's message>".
void check_mpi_check(MPI_Comm comm, const char* which, Checks& c) {
  int size = 0;
  MPI_CHECK(MPI_Comm_size(comm, &size));
  int value = 0;
  int line = 0;
  try {
    // clang-format off
    line = __LINE__; MPI_CHECK(MPI_Bcast(&value, 1, MPI_INT, size, comm));
    // clang-format on
    c.expect(false, std::string(which) + ": MPI_CHECK of a broadcast from rank " +
                        std::to_string(size) + " did not throw");
  } catch (const std::runtime_error& e) {
    const std::string want = "MPI_Bcast(&value, 1, MPI_INT, size, comm) failed at " +
                             std::string("work_queue_test.cpp:") + std::to_string(line) + ": " +
                             mpi_error_text(MPI_ERR_ROOT);
    c.expect(e.what() == want,
             std::string(which) + ": message '" + e.what() + "', expected '" + want + "'");
    c.expect(want.find("MPI_ERR_ROOT") != std::string::npos,
             "MPI's own text names the error class: " + want);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int code = 0;
  try {
    MpiSession mpi(&argc, &argv);
    Checks c;
    c.rank = mpi.rank();
    check_queue(mpi, 1, 41, c);
    if (mpi.size() % 2 == 0) check_queue(mpi, 2, 23, c);
    check_queue(mpi, 1, 0, c);  // nothing to hand out: every rank leaves at once

    check_mpi_check(MPI_COMM_WORLD, "world", c);
    if (mpi.size() % 2 == 0) {
      const GroupSplit pairs(mpi, 2);
      check_mpi_check(pairs.group().comm, "a split communicator", c);
    }

    // Every rank of this test sees the same CUDA_VISIBLE_DEVICES: all node ranks are peers.
    const GpuPeers peers = find_gpu_peers(mpi);
    c.expect(peers.count == mpi.local_size() && peers.index == mpi.local_rank(),
             "GPU peers are the node's ranks when all see the same GPUs");
    if (mpi.size() % 2 == 0) {
      const GroupSplit pairs(mpi, 2);
      // Both ranks of a pair on GPU 0: refused; on GPUs 0 and 1, or on the CPU: accepted.
      c.expect(!shared_gpu_in_group(pairs.group(), 0).empty(), "a pair sharing GPU 0 is refused");
      c.expect(shared_gpu_in_group(pairs.group(), pairs.group().rank).empty(),
               "a pair on GPUs 0 and 1 is accepted");
      c.expect(shared_gpu_in_group(pairs.group(), -1).empty(), "a pair on the CPU is accepted");
    }
    c.expect(threads_for_rank(mpi) >= 1, "at least one thread per rank");
    const std::vector<std::string> rows = mpi.gather_strings("r" + std::to_string(mpi.rank()));
    if (mpi.is_root()) {
      c.expect(static_cast<int>(rows.size()) == mpi.size(), "one gathered row per rank");
      for (size_t r = 0; r < rows.size(); ++r)
        c.expect(rows[r] == "r" + std::to_string(r), "gathered rows in rank order");
    }
    const int failed = mpi.allreduce_max(c.failed);
    if (mpi.is_root())
      std::printf("work_queue_test on %d ranks: %s\n", mpi.size(), failed ? "FAILED" : "passed");
    code = failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "work_queue_test: %s\n", e.what());
    code = 1;
  }
  return code;
}
