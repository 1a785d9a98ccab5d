// launch/work_queue.h — dynamic scheduling: hands out task numbers 0..n-1, each exactly once,
// to whichever run group asks next, so a group that drew short runs takes more of them. The
// counter is one int64 in an MPI window on world rank 0 (MPI_Win_allocate); a group's root takes
// the next number with MPI_Fetch_and_op under a shared passive-target lock, so rank 0 never has
// to serve requests (it trains like every other rank), and broadcasts it to its group. Knows
// nothing of GANs: a task is a number.
#pragma once

#include <cstdint>
#include <optional>

#include "launch/mpi_session.h"
#include "launch/process_group.h"

namespace ganrun::launch {

class WorkQueue {
 public:
  // Collective over the world (every rank of every group).
  WorkQueue(const MpiSession& mpi, const ProcessGroup& group, int64_t tasks);
  ~WorkQueue();  // MPI_Win_free: collective, so every rank waits here until all are done
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Collective over the group: the next task for this group (the same on all its ranks), or
  // nullopt when every task has been handed out.
  std::optional<int64_t> next();

 private:
  const ProcessGroup& group_;
  int64_t tasks_ = 0;
  MPI_Win window_ = MPI_WIN_NULL;
  int64_t* counter_ = nullptr;  // rank 0's window memory; unused elsewhere
};

}  // namespace ganrun::launch
