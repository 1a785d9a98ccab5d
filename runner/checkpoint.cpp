// runner/checkpoint.cpp — a run's checkpoints (see header).
#include "runner/checkpoint.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "common/atomic_file.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFormat = 1;  // bumped when the archive's layout changes
constexpr size_t kKept = 2;

// "step-<S>.pt" -> S; nullopt for any other name (temp files, foreign files).
std::optional<int64_t> step_of(const std::string& name) {
  const std::string prefix = "step-", suffix = ".pt";
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const std::string digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(digits);
}

std::vector<int64_t> steps_in(const fs::path& dir) {
  std::vector<int64_t> steps;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return steps;
  for (const auto& entry : fs::directory_iterator(dir))
    if (auto s = step_of(entry.path().filename().string())) steps.push_back(*s);
  std::sort(steps.begin(), steps.end());
  return steps;
}

}  // namespace

fs::path checkpoints_dir(const fs::path& runs_dir) {
  return runs_dir.parent_path() / "checkpoints";
}

CheckpointStore::CheckpointStore(const fs::path& runs_dir, const std::string& run_id)
    : dir_(checkpoints_dir(runs_dir) / run_id), run_id_(run_id) {}

fs::path CheckpointStore::path_of(int64_t step) const {
  return dir_ / ("step-" + std::to_string(step) + ".pt");
}

void CheckpointStore::write(int64_t step, models::Variant& variant,
                            const models::MetricAccumulator& metrics) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(kFormat));
  archive.write("run_id", c10::IValue(run_id_));
  archive.write("step", c10::IValue(step));
  torch::serialize::OutputArchive state, sums;
  variant.save_training_state(state);
  metrics.save(sums);
  archive.write("variant", state);
  archive.write("metrics", sums);
  fs::create_directories(dir_);
  write_file_atomically(
      path_of(step), [&](const fs::path& tmp) { archive.save_to(tmp.string()); }, "the checkpoint");
  auto steps = steps_in(dir_);
  while (steps.size() > kKept) {
    fs::remove(path_of(steps.front()));
    steps.erase(steps.begin());
  }
}

std::optional<int64_t> CheckpointStore::latest() const {
  const auto steps = steps_in(dir_);
  if (steps.empty()) return std::nullopt;
  return steps.back();
}

void CheckpointStore::load(int64_t step, models::Variant& variant,
                           models::MetricAccumulator& metrics, torch::Device device) const {
  const fs::path path = path_of(step);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), device);
    c10::IValue format, run_id, stored_step;
    archive.read("format", format);
    archive.read("run_id", run_id);
    archive.read("step", stored_step);
    if (format.toInt() != kFormat)
      throw std::runtime_error("checkpoint format " + std::to_string(format.toInt()) +
                               ", this ganrun reads " + std::to_string(kFormat));
    if (run_id.toStringRef() != run_id_ || stored_step.toInt() != step)
      throw std::runtime_error("it belongs to run " + run_id.toStringRef() + " step " +
                               std::to_string(stored_step.toInt()));
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
