// runner/assignment_log.h — who trained which grid point, and when: the root of each run group
// appends one line when it takes a run and one when the run ends to
// <out>/assignments/rank-<r>.tsv (one write(2) per line, O_APPEND, so the log is current while
// runs are in flight and a kill loses at most the line being written). Rank 0 merges the files
// into sweep.h5's /assignments at the end. Lines of every invocation of the sweep accumulate;
// the invocation column tells them apart.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ganrun {

struct Assignment {
  int64_t invocation = 0;  // 1 for the first `ganrun --sweep` into this out folder, then 2, ...
  int64_t rank = 0;        // world rank of the group's root
  int64_t group = 0;       // run group index (= rank when ranks_per_run is 1)
  std::string run_id;
  double start = 0;     // Unix time, seconds
  double end = -1;      // Unix time, seconds; -1 while running (or when interrupted)
  std::string outcome;  // running | completed | diverged | failed
};

std::filesystem::path assignments_dir(const std::filesystem::path& out);

// Appends this rank's lines. Opening creates the folder and the file (with a header line).
class AssignmentLog {
 public:
  AssignmentLog(const std::filesystem::path& dir, int64_t invocation, int rank, int group);
  ~AssignmentLog();
  AssignmentLog(const AssignmentLog&) = delete;
  AssignmentLog& operator=(const AssignmentLog&) = delete;

  // Logs the start (outcome running) and returns the assignment to pass to ended().
  Assignment started(const std::string& run_id);
  void ended(Assignment a, const std::string& outcome);

 private:
  void append(const Assignment& a);
  std::filesystem::path path_;
  int fd_ = -1;
  Assignment base_;
};

// One line of the log; "" for a malformed line or a comment.
std::string format_assignment_line(const Assignment& a);
bool parse_assignment_line(const std::string& line, Assignment* out);

// Every assignment in the folder's rank-*.tsv files: a start line and its end line (same
// invocation, rank, run id and start) become one entry; ordered by start, then rank.
// An absent folder is an empty log.
std::vector<Assignment> read_assignments(const std::filesystem::path& dir);

// 1 + the largest invocation in the log (1 for an empty log).
int64_t next_invocation(const std::vector<Assignment>& log);

}  // namespace ganrun
