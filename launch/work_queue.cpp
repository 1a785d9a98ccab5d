// launch/work_queue.cpp — the shared task counter (see header).
#include "launch/work_queue.h"

#include "launch/mpi_check.h"

namespace ganrun::launch {

WorkQueue::WorkQueue(const MpiSession& mpi, const ProcessGroup& group, int64_t tasks)
    : group_(group), tasks_(tasks) {
  // Only rank 0 holds memory; the others attach with size 0.
  const MPI_Aint bytes = mpi.is_root() ? static_cast<MPI_Aint>(sizeof(int64_t)) : 0;
  MPI_CHECK(
      MPI_Win_allocate(bytes, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &counter_, &window_));
  // A window does not inherit its communicator's handler: without this a failed RMA call aborts.
  MPI_CHECK(MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN));
  if (mpi.is_root()) {
    // Initialised under an exclusive lock so the store is visible to the others' atomics.
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_));
    *counter_ = 0;
    MPI_CHECK(MPI_Win_unlock(0, window_));
  }
  // Nobody may fetch before the counter is 0.
  MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

WorkQueue::~WorkQueue() {
  if (window_ != MPI_WIN_NULL) MPI_CHECK_NOTHROW(MPI_Win_free(&window_));
}

std::optional<int64_t> WorkQueue::next() {
  int64_t task = tasks_;
  if (group_.is_root()) {
    const int64_t one = 1;
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_));
    MPI_CHECK(MPI_Fetch_and_op(&one, &task, MPI_INT64_T, 0, 0, MPI_SUM, window_));
    MPI_CHECK(MPI_Win_unlock(0, window_));
  }
  if (group_.size > 1) MPI_CHECK(MPI_Bcast(&task, 1, MPI_INT64_T, 0, group_.comm));
  if (task >= tasks_) return std::nullopt;
  return task;
}

}  // namespace ganrun::launch
