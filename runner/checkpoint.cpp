// runner/checkpoint.cpp — a run's checkpoints (see header).
#include "runner/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <algorithm>
#include <map>
#include <regex>
#include <stdexcept>
#include <vector>

#include "common/atomic_file.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFormat = 2;  // bumped when the archive's layout changes (2: group, members)
constexpr size_t kKept = 2;

// One checkpoint file's name, parsed.
struct CheckpointName {
  int64_t step = 0;
  int rank = 0, size = 1;
};

// "step-<S>.pt" (one rank) or "step-<S>.rank-<R>-of-<G>.pt"; nullopt for any other name (temp
// files, foreign files).
std::optional<CheckpointName> parse_name(const std::string& name) {
  static const std::regex pattern(
      R"(step-([0-9]{1,18})(\.rank-([0-9]{1,6})-of-([0-9]{1,6}))?\.pt)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  CheckpointName parsed{std::stoll(m[1].str())};
  if (m[2].matched) {
    parsed.rank = std::stoi(m[3].str());
    parsed.size = std::stoi(m[4].str());
    if (parsed.size < 2 || parsed.rank >= parsed.size) return std::nullopt;
  }
  return parsed;
}

std::vector<CheckpointName> names_in(const fs::path& dir) {
  std::vector<CheckpointName> names;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return names;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (auto n = parse_name(entry.path().filename().string())) names.push_back(*n);
  return names;
}

std::string file_name(int64_t step, int rank, int size) {
  if (size == 1) return "step-" + std::to_string(step) + ".pt";
  return "step-" + std::to_string(step) + ".rank-" + std::to_string(rank) + "-of-" +
         std::to_string(size) + ".pt";
}

}  // namespace

fs::path checkpoints_dir(const fs::path& runs_dir) {
  return runs_dir.parent_path() / "checkpoints";
}

std::string pack_checkpoint_name(const std::string& first_id) { return "pack-" + first_id; }

std::set<int> checkpoint_group_sizes(const fs::path& dir) {
  std::set<int> sizes;
  for (const auto& n : names_in(dir)) sizes.insert(n.size);
  return sizes;
}

CheckpointStore::CheckpointStore(InFolder, fs::path dir, std::string archive_id, int group_rank,
                                 int group_size)
    : dir_(std::move(dir)),
      archive_id_(std::move(archive_id)),
      group_rank_(group_rank),
      group_size_(group_size) {}

CheckpointStore::CheckpointStore(const fs::path& runs_dir, const std::string& run_id,
                                 int group_rank, int group_size)
    : CheckpointStore(InFolder{}, checkpoints_dir(runs_dir) / run_id, run_id, group_rank,
                      group_size) {}

CheckpointStore CheckpointStore::for_pack(const fs::path& runs_dir,
                                          const std::vector<std::string>& member_ids,
                                          int group_rank, int group_size) {
  std::string members;
  for (const auto& id : member_ids) members += (members.empty() ? "" : ",") + id;
  return CheckpointStore(InFolder{},
                         checkpoints_dir(runs_dir) / pack_checkpoint_name(member_ids.front()),
                         members, group_rank, group_size);
}

fs::path CheckpointStore::path_of(int64_t step) const {
  return dir_ / file_name(step, group_rank_, group_size_);
}

void CheckpointStore::write(int64_t step, models::Variant& variant,
                            const models::MetricAccumulator& metrics) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(kFormat));
  archive.write("run_id", c10::IValue(archive_id_));
  archive.write("step", c10::IValue(step));
  archive.write("group_rank", c10::IValue(static_cast<int64_t>(group_rank_)));
  archive.write("group_size", c10::IValue(static_cast<int64_t>(group_size_)));
  torch::serialize::OutputArchive state, sums;
  variant.save_training_state(state);
  metrics.save(sums);
  archive.write("variant", state);
  archive.write("metrics", sums);
  fs::create_directories(dir_);
  write_file_atomically(
      path_of(step), [&](const fs::path& tmp) { archive.save_to(tmp.string()); }, "the checkpoint");
  // This rank's files but the two newest. Another rank's newer step may be missing yet (it
  // writes its own in a moment, or was killed): the step before is then complete on every rank.
  std::vector<int64_t> mine;
  for (const auto& n : names_in(dir_))
    if (n.size == group_size_ && n.rank == group_rank_) mine.push_back(n.step);
  std::sort(mine.begin(), mine.end());
  for (size_t i = 0; i + kKept < mine.size(); ++i) fs::remove(path_of(mine[i]));
}

std::optional<int64_t> CheckpointStore::latest() const {
  std::map<int64_t, int> ranks_at;  // step -> ranks of this group size that wrote it
  for (const auto& n : names_in(dir_))
    if (n.size == group_size_) ++ranks_at[n.step];
  for (auto it = ranks_at.rbegin(); it != ranks_at.rend(); ++it)
    if (it->second == group_size_) return it->first;
  return std::nullopt;
}

void CheckpointStore::load(int64_t step, models::Variant& variant,
                           models::MetricAccumulator& metrics, torch::Device device) const {
  const fs::path path = path_of(step);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), device);
    c10::IValue format, run_id, stored_step, rank, size;
    archive.read("format", format);
    if (format.toInt() != kFormat)
      throw std::runtime_error("checkpoint format " + std::to_string(format.toInt()) +
                               ", this ganrun reads " + std::to_string(kFormat));
    archive.read("run_id", run_id);
    archive.read("step", stored_step);
    archive.read("group_rank", rank);
    archive.read("group_size", size);
    if (run_id.toStringRef() != archive_id_ || stored_step.toInt() != step)
      throw std::runtime_error(
          std::string("it belongs to ") +
          (run_id.toStringRef().find(',') == std::string::npos ? "run " : "the pack of ") +
          run_id.toStringRef() + " step " + std::to_string(stored_step.toInt()));
    if (rank.toInt() != group_rank_ || size.toInt() != group_size_)
      throw std::runtime_error("it is rank " + std::to_string(rank.toInt()) + "'s of a group of " +
                               std::to_string(size.toInt()));
    torch::serialize::InputArchive state, sums;
    archive.read("variant", state);
    archive.read("metrics", sums);
    variant.load_training_state(state);
    metrics.load(sums);
  } catch (const std::exception& e) {
    const std::string what = e.what();  // LibTorch's: a backtrace after the first line
    throw std::runtime_error(
        path.string() + ": cannot resume from this checkpoint: " + what.substr(0, what.find('\n')));
  }
}

void CheckpointStore::remove_all() const {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace ganrun
