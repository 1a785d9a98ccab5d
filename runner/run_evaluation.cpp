// runner/run_evaluation.cpp — a run's in-loop image evaluation (see header).
#include "runner/run_evaluation.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "runner/reference_file.h"
#include "runner/references.h"

namespace ganrun {
namespace {

// One loaded reference per (data set, data folder, device) and process: a sweep's runs share it.
std::shared_ptr<const LoadedReference> process_reference(const RunSettings& s, torch::Device device,
                                                         ProgressReporter& progress) {
  static std::map<std::string, std::shared_ptr<const LoadedReference>> loaded;
  static std::mutex mutex;
  const std::lock_guard<std::mutex> guard(mutex);
  const std::string key = s.dataset + "\n" + s.data_dir + "\n" + device.str();
  auto& slot = loaded[key];
  if (!slot)
    slot = std::make_shared<const LoadedReference>(
        obtain_reference(s.dataset, s.data_dir, reference_cache_dir(), device,
                         [&](const std::string& line) { progress.note(line); }));
  return slot;
}

// The floor at N from the reference file, computed and stored there (under the reference
// lock) when the file has none yet. Empty when the held-out images are fewer than 2N.
AttrMap floor_values(const LoadedReference& reference, SampleEvaluator& evaluator) {
  const int64_t n = evaluator.samples();
  auto stored = reference.floors.find(n);
  AttrMap values;
  if (stored != reference.floors.end()) {
    values = stored->second;
  } else {
    const auto floor = evaluator.real_floor();
    if (!floor) return {};
    for (const auto& [name, value] : floor->values) values[name] = value;
    // Stored for the next runs; a cache this process may not write (a shared, read-only one)
    // only costs them the same computation.
    try {
      const auto dir = reference.file.parent_path();
      ReferenceLock lock(dir, manifest_text(reference.manifest, "dataset"), reference.net_name);
      ReferenceFile file = read_reference_file(reference.file);
      if (file.floors.emplace(n, values).second) write_reference_file(reference.file, file);
    } catch (const std::exception&) {
    }
  }
  AttrMap attrs{{"floor_samples", n}};
  for (const auto& [name, value] : values) attrs["floor_" + name] = value;
  return attrs;
}

}  // namespace

bool evaluates_images(const RunSettings& s, bool toy) { return !toy && s.eval_every != 0; }

void set_eval_points(LoopSetup& setup, const RunSettings& s, int64_t steps_per_epoch, bool toy) {
  setup.eval_every = interval_steps(s.eval_every, steps_per_epoch);
  setup.eval_at_end = toy || s.eval_every != 0;
  setup.eval_at_start = (toy || s.eval_every != 0) && s.eval_at_start == "yes";
}

InLoopEvaluation::InLoopEvaluation(const RunSettings& settings, torch::Device device,
                                   DataParallel* parallel, RunFileWriter* writer,
                                   ProgressReporter& progress)
    : settings_(settings), parallel_(parallel), writer_(writer), progress_(progress) {
  const auto reference = process_reference(settings, device, progress);
  launch::GroupCollectives* group = parallel ? &parallel->collectives() : nullptr;
  evaluator_ = std::make_unique<SampleEvaluator>(reference, settings, settings.eval_samples, device,
                                                 models::MetricGroups{}, group,
                                                 parallel ? parallel->group().rank : 0);
  if (writer_ == nullptr) return;
  for (const auto& [name, value] : evaluator_->attrs()) writer_->set_eval_attr(name, value);
  for (const auto& [name, value] : floor_values(*reference, *evaluator_))
    writer_->set_eval_attr(name, value);
}

void InLoopEvaluation::attach(LoopSetup& setup) {
  setup.evaluate = [this](int64_t done, models::Variant& variant) { evaluate(done, variant); };
}

void InLoopEvaluation::evaluate(int64_t steps_done, models::Variant& variant) {
  const auto started = std::chrono::steady_clock::now();
  const Float32Precision full_precision("none");  // scores comparable whatever the run trains in
  // BatchNorm running statistics stay per rank; the samples are the root's generator's.
  if (parallel_ != nullptr) parallel_->broadcast_from_root(variant);
  const EvalValues e = evaluator_->evaluate(variant);
  const auto now = std::chrono::steady_clock::now();
  const double took = std::chrono::duration<double>(now - started).count();
  seconds_ += took;
  if (writer_ == nullptr) return;
  std::vector<std::pair<std::string, double>> row{
      {"samples", static_cast<double>(evaluator_->generated())},
      {"wall_s", std::chrono::duration<double>(now - start_).count()},
      {"eval_s", took}};
  row.insert(row.end(), e.values.begin(), e.values.end());
  writer_->append_eval(steps_done, row, e.class_histogram);
  progress_.note(
      fmt::format("eval at step {}: {} {:.3g}, precision {:.3f}, recall {:.3f}, "
                  "classes covered {} ({:.1f} s)",
                  steps_done, e.values[0].first, e.values[0].second, e.values[3].second,
                  e.values[4].second, e.values[8].second, took));
}

}  // namespace ganrun
