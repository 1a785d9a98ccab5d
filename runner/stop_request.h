// runner/stop_request.h — a graceful stop asked for by a signal: SIGTERM (Slurm's and mpirun's
// stop), SIGUSR1 (Slurm's `--signal=B:USR1@120` warning, forwarded by mpirun) and SIGINT
// (Ctrl-C). The handler only records the signal; the step loops look at it at each step
// boundary, checkpoint, mark their runs `preempted` and return, and the ranks agree on exit 75
// (runner/plan_execution.cpp). A second signal of the same kind acts as it would without
// ganrun (the handler is reset after the first): a stuck job can still be stopped.
#pragma once

#include <string>

namespace ganrun {

// Installs the handlers (idempotent).
void install_stop_handlers();
// True once one of the signals has arrived.
bool stop_requested();
// "SIGTERM", "SIGUSR1", "SIGINT"; "" before any.
std::string stop_signal_name();
// Test seam: as if `signal` had arrived (0 clears the request).
void request_stop_for_test(int signal);

}  // namespace ganrun
