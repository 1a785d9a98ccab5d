// runner/resume_plan.cpp — what a rerun honours from earlier attempts (see header).
#include "runner/resume_plan.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "runner/checkpoint.h"
#include "runner/config_error.h"
#include "runner/run_executor.h"  // run_file_path
#include "runner/run_file.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  std::stringstream in(text);
  for (std::string id; std::getline(in, id, ',');)
    if (!id.empty()) ids.push_back(id);
  return ids;
}

// The run file's status and pack members ("" and none when it cannot be read).
struct FileRecord {
  std::string status;
  std::vector<std::string> pack_members;
};

FileRecord read_record(const fs::path& path) {
  FileRecord record;
  try {
    const auto summary = read_run_summary(path);
    if (!summary) return record;
    record.status = summary->status;
    const auto it = summary->attrs.find("pack_members");
    if (it != summary->attrs.end() && std::holds_alternative<std::string>(it->second))
      record.pack_members = split_ids(std::get<std::string>(it->second));
  } catch (const std::exception&) {
    // An unreadable leftover: its run starts over (runner/run_executor.cpp says so).
  }
  return record;
}

std::string describe_sizes(const std::set<int>& sizes) {
  std::string text;
  for (const int size : sizes) text += (text.empty() ? "" : " and ") + std::to_string(size);
  return text;
}

}  // namespace

std::vector<RecordedPack> recorded_packs(const SweepPlan& plan, const std::vector<int64_t>& todo,
                                         const fs::path& runs_dir) {
  std::map<std::string, int64_t> index_of;
  for (size_t i = 0; i < plan.runs.size(); ++i) index_of[plan.runs[i].id] = static_cast<int64_t>(i);
  const std::set<int64_t> pending(todo.begin(), todo.end());
  std::set<int64_t> taken;
  std::vector<RecordedPack> packs;
  const int group_size = static_cast<int>(plan.ranks_per_run);
  for (const int64_t i : todo) {
    if (taken.count(i)) continue;
    const RunSpec& run = plan.runs[static_cast<size_t>(i)];
    const FileRecord record = read_record(run_file_path(runs_dir, run.id));
    if (record.pack_members.size() < 2) continue;
    const auto step =
        CheckpointStore::for_pack(runs_dir, record.pack_members, 0, group_size).latest();
    if (!step) continue;
    RecordedPack pack;
    pack.step = *step;
    bool usable = true;
    for (const auto& id : record.pack_members) {
      const auto it = index_of.find(id);
      if (it == index_of.end() || taken.count(it->second)) {
        usable = false;  // a member left the sweep: the pack cannot be rebuilt
        break;
      }
      const bool again = pending.count(it->second) > 0;
      // A member that ended before (diverged; or completed, when the attempt was killed
      // between its members' final commits) is frozen in the resumed pack. One whose file is
      // gone or unreadable cannot be told apart from a stale pack: the pack starts over.
      if (!again) {
        const std::string status = read_record(run_file_path(runs_dir, id)).status;
        if (status != "diverged" && status != "completed") {
          usable = false;
          break;
        }
      }
      pack.members.push_back(it->second);
      pack.finished.push_back(!again);
    }
    if (!usable) continue;
    taken.insert(pack.members.begin(), pack.members.end());
    packs.push_back(std::move(pack));
  }
  return packs;
}

void check_checkpoint_groups(const SweepPlan& plan, const std::vector<int64_t>& todo,
                             const fs::path& runs_dir) {
  const int group_size = static_cast<int>(plan.ranks_per_run);
  const fs::path root = checkpoints_dir(runs_dir);
  for (const int64_t i : todo) {
    const std::string& id = plan.runs[static_cast<size_t>(i)].id;
    for (const fs::path& dir : {root / id, root / pack_checkpoint_name(id)}) {
      const std::set<int> sizes = checkpoint_group_sizes(dir);
      if (sizes.empty() || sizes.count(group_size)) continue;
      throw ConfigError(fmt::format(
          "run {} has checkpoints written by a data-parallel group of {} rank(s) ({}), and this "
          "invocation trains it on groups of {}: a checkpoint resumes only on its group's size "
          "(BatchNorm statistics and metric sums are each rank's). Rerun with ranks_per_run: {} "
          "(ganrun train: --data-parallel on that many ranks; 1: without it), or add --force to "
          "start it over",
          id, describe_sizes(sizes), dir.string(), group_size, *sizes.rbegin()));
    }
  }
}

}  // namespace ganrun
