// runner/progress.h — progress lines on stderr: rank, run id, step/total, d/g loss, it/s, ETA.
// Throttled to one line per `min_interval_s`; on a terminal the line is rewritten in place,
// elsewhere (pipes, mpirun, log files) each report is a plain line.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ganrun {

class ProgressReporter {
 public:
  ProgressReporter(int rank, std::string run_id, int64_t total_steps, std::FILE* out = stderr);
  // Called at each log point; prints when the throttle allows or `force` is set.
  void report(int64_t steps_done, double d_loss, double g_loss, bool force = false);
  // Ends a terminal line and prints the run's final state ("completed", "diverged at ...").
  void finish(const std::string& state);
  // A plain line about the run (an evaluation's numbers), between progress reports.
  void note(const std::string& text);

 private:
  int rank_;
  std::string run_id_;
  int64_t total_;
  std::FILE* out_;
  bool tty_;
  double min_interval_s_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool printed_ = false;
};

// "1:02:03" / "2:03" for a duration in seconds.
std::string format_duration(double seconds);

}  // namespace ganrun
