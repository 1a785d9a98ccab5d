// runner/pack_executor.cpp — one pack of runs, K run files (see header).
#include "runner/pack_executor.h"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/variant.h"
#include "runner/checkpoint.h"
#include "runner/data_parallel.h"
#include "runner/packed_loop.h"
#include "runner/progress.h"
#include "runner/run_evaluation.h"
#include "runner/run_file.h"
#include "runner/run_recording.h"
#include "runner/variant_config.h"

namespace ganrun {
namespace {

// What one member of a pack records: on the group's root its file, PNG, progress line and
// evaluation; on the other ranks of a data-parallel group nothing but the final line (their
// evaluation still takes part in the group's collectives).
struct MemberRecord {
  std::unique_ptr<RunFileWriter> writer;  // root only
  std::unique_ptr<ProgressReporter> progress;
  std::unique_ptr<FileObserver> observer;  // root only
  QuietObserver quiet;                     // the other ranks
  std::unique_ptr<InLoopEvaluation> evaluation;
  bool open = true;  // its final status has not been given yet
  LoopObserver* loop_observer() {
    return observer ? static_cast<LoopObserver*>(observer.get()) : &quiet;
  }
};

}  // namespace

std::vector<RunResult> execute_pack(const std::vector<const RunSpec*>& specs,
                                    data::BatchSource& dataset, const RunEnvironment& env,
                                    const std::vector<bool>& finished_before) {
  const RunSettings& shared = specs.front()->settings;
  const int64_t steps = total_steps(shared, dataset.size());
  const DataShape shape{dataset.channels(), dataset.height(), dataset.width(),
                        data_shape(shared.dataset).classes};
  const bool root = env.group.is_root();
  std::string members_text;
  for (const auto* spec : specs) members_text += (members_text.empty() ? "" : ",") + spec->id;
  const std::string pack_text = fmt::format(" (pack of {})", specs.size());
  const std::string group_text =
      env.group.size > 1
          ? fmt::format(" (rank {} of the pack's group of {})", env.group.rank, env.group.size)
          : "";

  // The variant first: its metric names shape the files. A build error fails every member
  // (on every rank of the group alike: the build is deterministic).
  models::PackedVariant pack;
  std::vector<std::string> metric_names;
  std::string build_error;
  try {
    std::vector<models::VariantConfig> configs;
    for (const auto* spec : specs)
      configs.push_back(make_variant_config(spec->settings, shape, env.device));
    pack = models::make_packed_variant(configs);
    metric_names = pack.packed->metric_names();
  } catch (const std::exception& e) {
    build_error = e.what();
  }

  std::vector<bool> finished = finished_before;
  finished.resize(specs.size(), false);
  std::vector<std::string> ids;
  for (const auto* spec : specs) ids.push_back(spec->id);
  CheckpointStore checkpoints =
      CheckpointStore::for_pack(env.runs_dir, ids, env.group.rank, env.group.size);
  if (root && !env.resume) checkpoints.remove_all();
  // The root's files: each member's, resumed from the pack's newest checkpoint when every
  // member's file can take its rows up to it (else the whole pack starts over).
  std::vector<MemberRecord> records(specs.size());
  auto open_files = [&](std::optional<int64_t> from) {
    bool agreed = true;
    for (size_t k = 0; k < specs.size(); ++k) {
      const RunSpec& spec = *specs[k];
      auto& r = records[k];
      r = MemberRecord{};
      r.progress = std::make_unique<ProgressReporter>(env.rank, spec.id, steps);
      if (finished[k]) r.open = false;
      if (!root || finished[k]) continue;
      AttrMap attrs = run_attrs(spec, env, dataset, steps);
      attrs["pack_size"] = static_cast<int64_t>(specs.size());
      attrs["pack_members"] = members_text;
      const auto path = run_file_path(env.runs_dir, spec.id);
      r.writer = std::make_unique<RunFileWriter>(
          path, std::move(attrs), to_yaml(spec.settings), metric_names,
          dataset.is_points() ? SampleShape{}
                              : SampleShape{pack.packed ? pack.packed->samples_per_grid() : 64,
                                            dataset.channels(), dataset.height(), dataset.width()});
      r.observer = std::make_unique<FileObserver>(
          *r.writer, *r.progress, run_png_path(env.runs_dir, spec.id), metric_names);
      agreed = start_attempt(*r.writer, path, from).from_step == from.value_or(0) && agreed;
    }
    return agreed;
  };
  const std::optional<int64_t> resume_from =
      root && pack.packed ? checkpoints.latest() : std::nullopt;
  const bool resumed = resume_from && open_files(resume_from);
  if (!resumed) open_files(std::nullopt);
  const int64_t from_step = resumed ? *resume_from : 0;
  std::vector<RunResult> results(specs.size());
  for (size_t k = 0; k < specs.size(); ++k)
    if (finished[k])
      results[k] = RunResult{RunOutcome::kCompleted, 0, "ended in an earlier attempt"};
  auto finish = [&](size_t k, RunResult result) {
    auto& r = records[k];
    if (root) {
      finish_run_file(*r.writer, *r.observer, *r.progress,
                      r.evaluation ? r.evaluation->seconds() : r.observer->toy_eval_seconds(),
                      outcome_name(result.outcome), result.message, result.stop_step, pack_text);
    } else {
      const std::string status = outcome_name(result.outcome);
      r.progress->finish(result.outcome == RunOutcome::kCompleted
                             ? status + pack_text + group_text
                             : fmt::format("{} at step {}: {}{}{}", status, result.stop_step,
                                           result.message, pack_text, group_text));
    }
    r.open = false;
    results[k] = std::move(result);
  };

  try {
    if (!build_error.empty()) throw std::runtime_error(build_error);
    for (size_t k = 0; k < specs.size(); ++k) {
      if (!records[k].writer) continue;
      records[k].writer->commit();  // every file exists, running, from the start
      // A pack that starts from step 0: a member's checkpoint from an earlier attempt alone, or
      // from an earlier pack it led, is stale from here on and must not be resumed later.
      if (from_step == 0) {
        CheckpointStore(env.runs_dir, specs[k]->id).remove_all();
        CheckpointStore::for_pack(env.runs_dir, {specs[k]->id}).remove_all();
      }
    }
    // A group of ranks trains the pack data-parallel (runner/data_parallel.h): every member's
    // batch split over the group, the packed nets' gradients averaged, each member's metrics
    // averaged at its log points.
    std::unique_ptr<DataParallel> parallel;
    if (env.group.size > 1) {
      parallel = std::make_unique<DataParallel>(env.group, env.device, shared.batch);
      parallel->broadcast_from_root(*pack.packed);
    }
    // The group resumes where its root does.
    const int64_t resume_step = root_value_in_group(env.group, from_step);
    std::vector<LoopSetup> setups;
    std::vector<LoopObserver*> observers;
    for (size_t k = 0; k < specs.size(); ++k) {
      const RunSettings& s = specs[k]->settings;
      LoopSetup setup = parallel ? parallel->loop_setup(s, specs[k]->id, steps, env.device)
                                 : single_process_setup(s, specs[k]->id, steps, env.device);
      setup.graphs = env.graphs;
      setup.fixed_samples = pack.packed->fixed_noise_rows();
      set_eval_points(setup, s, steps_per_epoch(s, dataset.size()), dataset.is_points());
      auto& r = records[k];
      if (evaluates_images(s, dataset.is_points())) {
        r.evaluation = std::make_unique<InLoopEvaluation>(s, env.device, parallel.get(),
                                                          r.writer.get(), *r.progress);
        r.evaluation->attach(setup);
        if (FileObserver* observer = r.observer.get()) {
          const auto evaluate = setup.evaluate;
          setup.evaluate = [observer, evaluate](int64_t done, models::Variant& v) {
            evaluate(done, v);
            observer->maybe_commit();
          };
        }
      }
      setups.push_back(std::move(setup));
      observers.push_back(r.loop_observer());
    }
    // The pack's checkpoints: the root's open files committed first.
    attach_checkpoints(
        setups.front(), checkpoints, resume_step,
        interval_steps(shared.checkpoint_every, steps_per_epoch(shared, dataset.size())), env.group,
        root ? std::function<void()>([&records] {
          for (auto& r : records)
            if (r.open && r.observer) r.observer->commit();
        })
             : nullptr);
    const auto loops = train_packed_loop(
        pack, dataset, setups, observers,
        [&](size_t k, const LoopResult& loop) {
          finish(k, RunResult{RunOutcome::kDiverged, loop.stop_step, loop.message});
        },
        finished);
    bool preempted = false;
    for (size_t k = 0; k < specs.size(); ++k) {
      if (finished[k] || loops[k].diverged) continue;  // ended before, or at its log point
      preempted = preempted || loops[k].preempted;
      if (loops[k].preempted) {
        finish(k, RunResult{RunOutcome::kPreempted, loops[k].stop_step, loops[k].message});
        continue;
      }
      if (records[k].writer) {
        std::vector<NamedArray> weights;
        for (const auto& [name, tensor] : pack.members[k]->generator_state())
          weights.push_back(to_named_array(name, tensor));
        records[k].writer->set_generator(std::move(weights));
      }
      finish(k, RunResult{RunOutcome::kCompleted, steps, ""});
    }
    // Every member ended for good: nothing will resume the pack. A preempted pack's checkpoint
    // (written by the loop) is where the next attempt resumes.
    if (root && !preempted) checkpoints.remove_all();
  } catch (const std::exception& e) {
    // A step's exception (StepError, with its step) or one before the first step.
    const auto* at = dynamic_cast<const StepError*>(&e);
    const int64_t stop_step = at != nullptr ? at->step() : 0;
    for (size_t k = 0; k < specs.size(); ++k) {
      if (!records[k].open) continue;
      try {
        finish(k, RunResult{RunOutcome::kFailed, stop_step, e.what()});
      } catch (const std::exception& again) {
        results[k] = RunResult{
            RunOutcome::kFailed, stop_step,
            fmt::format("{} (and the run file could not be updated: {})", e.what(), again.what())};
      }
    }
  }
  return results;
}

}  // namespace ganrun
