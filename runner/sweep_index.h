// runner/sweep_index.h — <out>/sweep.h5: the sweep's text, its expanded grid, the ganrun
// version, one external link per run (/runs/<run-id> -> runs/<run-id>.h5:/) and the assignment
// log (/assignments). Written by rank 0 only, atomically (temp file + rename), so a reader opens
// it plainly at any time, also while runs are in flight.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runner/assignment_log.h"

namespace ganrun {

struct SweepIndexRun {
  std::string run_id;
  // The world rank that last trained the run (its group's root, from the assignment log);
  // -1 when no invocation has trained it yet. Scheduling is dynamic: no rank owns a run ahead.
  int rank = -1;
  std::vector<std::pair<std::string, std::string>> grid_point;  // (key, value text)
};

// /grid/run_id, /grid/rank and /grid/<key> per grid key (the value texts; "" where a run's
// grid_point lacks the key); /assignments/{invocation,rank,group,run_id,start,end,outcome}, one
// row per assignment (start/end in Unix seconds, end -1 for a run that never ended). Throws
// std::invalid_argument for a key that cannot be a column (empty, holding '/', "run_id", "rank") or
// a run id holding '/'; std::runtime_error naming path when the file cannot be written.
void write_sweep_index(const std::filesystem::path& path, const std::string& sweep_name,
                       const std::string& sweep_text, const std::vector<std::string>& grid_keys,
                       const std::vector<SweepIndexRun>& runs,
                       const std::vector<Assignment>& assignments = {});

// The stored sweep text, or nullopt when the file does not exist.
std::optional<std::string> read_sweep_text(const std::filesystem::path& path);

}  // namespace ganrun
