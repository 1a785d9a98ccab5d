// runner/run_executor.cpp — one run from start to end, and its file (see header).
#include "runner/run_executor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>  // INT64_MAX
#include <exception>

#include "models/variant.h"
#include "runner/checkpoint.h"
#include "runner/config_error.h"
#include "runner/data_parallel.h"
#include "runner/progress.h"
#include "runner/run_evaluation.h"
#include "runner/run_file.h"
#include "runner/run_recording.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace ganrun {
namespace {

// A non-root rank of a data-parallel group: trains its slice of each batch in step with the
// root (the same collectives in the same order), writes no file and no PNG, and prints only its
// final line. Its outcome equals the root's: the metrics it judges divergence on are the group
// means, and a failure of the build or of a step happens on every rank alike.
RunResult execute_member_run(const RunSpec& spec, data::BatchSource& dataset,
                             const RunEnvironment& env, const models::VariantConfig& vc,
                             int64_t steps) {
  ProgressReporter progress(env.rank, spec.id, steps);
  const std::string who =
      fmt::format(" (rank {} of the run's group of {})", env.group.rank, env.group.size);
  RunResult result;
  try {
    auto variant = models::make_variant(vc);
    DataParallel parallel(env.group, env.device, spec.settings.batch);
    parallel.broadcast_from_root(*variant);
    // The root decides where the run resumes (its file and every rank's checkpoint of the step).
    const int64_t from_step = root_value_in_group(env.group, 0);
    CheckpointStore checkpoints(env.runs_dir, spec.id, env.group.rank, env.group.size);
    LoopSetup setup = parallel.loop_setup(spec.settings, spec.id, steps, env.device);
    attach_checkpoints(setup, checkpoints, from_step,
                       interval_steps(spec.settings.checkpoint_every,
                                      steps_per_epoch(spec.settings, dataset.size())),
                       env.group, nullptr);
    setup.graphs = env.graphs;
    setup.fixed_samples = variant->fixed_noise_rows();
    set_eval_points(setup, spec.settings, steps_per_epoch(spec.settings, dataset.size()),
                    dataset.is_points());
    std::unique_ptr<InLoopEvaluation> evaluation;
    if (evaluates_images(spec.settings, dataset.is_points())) {
      evaluation = std::make_unique<InLoopEvaluation>(spec.settings, env.device, &parallel, nullptr,
                                                      progress);
      evaluation->attach(setup);
    }
    QuietObserver quiet;
    const LoopResult loop = train_loop(*variant, dataset, setup, quiet);
    result = loop.diverged    ? RunResult{RunOutcome::kDiverged, loop.stop_step, loop.message}
             : loop.preempted ? RunResult{RunOutcome::kPreempted, loop.stop_step, loop.message}
                              : RunResult{RunOutcome::kCompleted, steps, ""};
  } catch (const StepError& e) {
    result = RunResult{RunOutcome::kFailed, e.step(), e.what()};
  } catch (const std::exception& e) {
    result = RunResult{RunOutcome::kFailed, 0, e.what()};
  }
  const std::string status = outcome_name(result.outcome);
  progress.finish(
      result.outcome == RunOutcome::kCompleted
          ? status + who
          : fmt::format("{} at step {}: {}{}", status, result.stop_step, result.message, who));
  return result;
}

}  // namespace

std::filesystem::path run_file_path(const std::filesystem::path& runs_dir, const std::string& id) {
  return runs_dir / (id + ".h5");
}

std::filesystem::path run_png_path(const std::filesystem::path& runs_dir, const std::string& id) {
  return runs_dir / (id + ".png");
}

const char* outcome_name(RunOutcome outcome) {
  static constexpr const char* kNames[] = {"completed", "diverged", "failed",
                                           "preempted"};  // enum order
  return kNames[static_cast<int>(outcome)];
}

int64_t steps_per_epoch(const RunSettings& s, int64_t dataset_size) {
  return std::max<int64_t>(1, (dataset_size / s.batch) / s.n_critic);
}

int64_t total_steps(const RunSettings& s, int64_t dataset_size) {
  const std::string data = fmt::format("data set {} ({} split)", s.dataset, s.split);
  if (dataset_size / s.batch < 1)
    throw ConfigError(fmt::format("batch {} is larger than the {} samples of {}; lower batch",
                                  s.batch, dataset_size, data));
  // Each of a step's n_critic critic updates takes a fresh batch of the epoch: one step needs
  // batch x n_critic samples, whether the run counts steps or epochs.
  const int64_t per_epoch = (dataset_size / s.batch) / s.n_critic;
  if (per_epoch < 1)
    throw ConfigError(fmt::format(
        "batch {} x n_critic {} needs more than the {} samples of {} for one step; lower batch "
        "or n_critic",
        s.batch, s.n_critic, dataset_size, data));
  if (s.steps > 0) return s.steps;
  if (s.epochs > INT64_MAX / per_epoch)
    throw ConfigError(fmt::format(
        "epochs {} x {} steps per epoch is more steps than ganrun can count ({}); lower epochs",
        s.epochs, per_epoch, INT64_MAX));
  return s.epochs * per_epoch;
}

RunResult execute_run(const RunSpec& spec, data::BatchSource& dataset, const RunEnvironment& env) {
  const RunSettings& s = spec.settings;
  const int64_t steps = total_steps(s, dataset.size());
  const models::VariantConfig vc =
      make_variant_config(s,
                          DataShape{dataset.channels(), dataset.height(), dataset.width(),
                                    data_shape(s.dataset).classes},
                          env.device);

  if (!env.group.is_root()) return execute_member_run(spec, dataset, env, vc, steps);

  std::unique_ptr<models::Variant> variant;
  std::vector<std::string> metric_names;
  RunResult result;
  // The variant is built before the file exists so that its metric names shape the file.
  std::string build_error;
  try {
    variant = models::make_variant(vc);
    metric_names = variant->metric_names();
  } catch (const std::exception& e) {
    build_error = e.what();
  }
  const auto path = run_file_path(env.runs_dir, spec.id);
  RunFileWriter writer(path, run_attrs(spec, env, dataset, steps), to_yaml(s), metric_names,
                       dataset.is_points()  // toy runs store points under /toy, no images
                           ? SampleShape{}
                           : SampleShape{variant ? variant->samples_per_grid() : 64,
                                         dataset.channels(), dataset.height(), dataset.width()});
  // An earlier attempt's checkpoint: resume from it (its file's rows up to that step stay).
  CheckpointStore checkpoints(env.runs_dir, spec.id, 0, env.group.size);
  if (!env.resume) checkpoints.remove_all();
  const std::optional<int64_t> resume_from = variant ? checkpoints.latest() : std::nullopt;
  const ResumedAttempt attempt = start_attempt(writer, path, resume_from);
  // Trained alone from the start: a pack this run led in an earlier attempt is not resumed
  // (runner/resume_plan.h), and its checkpoints are stale.
  if (attempt.from_step == 0) CheckpointStore::for_pack(env.runs_dir, {spec.id}).remove_all();
  ProgressReporter progress(env.rank, spec.id, steps);
  FileObserver observer(writer, progress, run_png_path(env.runs_dir, spec.id), metric_names);
  std::unique_ptr<InLoopEvaluation> evaluation;
  auto finish = [&](const std::string& status, const std::string& error, int64_t stop_step) {
    finish_run_file(writer, observer, progress,
                    evaluation ? evaluation->seconds() : observer.toy_eval_seconds(), status, error,
                    stop_step);
  };

  int64_t last_step = 0;
  try {
    if (!build_error.empty()) throw std::runtime_error(build_error);
    writer.commit();  // the file exists, status running, from the first moment
    // A group of ranks trains this run data-parallel: the root is rank 0 of the group.
    std::unique_ptr<DataParallel> parallel;
    if (env.group.size > 1) {
      parallel = std::make_unique<DataParallel>(env.group, env.device, s.batch);
      parallel->broadcast_from_root(*variant);
    }
    root_value_in_group(env.group, attempt.from_step);  // tells the group's other ranks
    LoopSetup setup = parallel ? parallel->loop_setup(s, spec.id, steps, env.device)
                               : single_process_setup(s, spec.id, steps, env.device);
    setup.graphs = env.graphs;
    // The file first, then the checkpoint: a checkpoint never points past the file.
    attach_checkpoints(setup, checkpoints, attempt.from_step,
                       interval_steps(s.checkpoint_every, steps_per_epoch(s, dataset.size())),
                       env.group, [&observer] { observer.commit(); });
    setup.fixed_samples = variant->fixed_noise_rows();
    set_eval_points(setup, s, steps_per_epoch(s, dataset.size()), dataset.is_points());
    if (evaluates_images(s, dataset.is_points())) {
      evaluation =
          std::make_unique<InLoopEvaluation>(s, env.device, parallel.get(), &writer, progress);
      evaluation->attach(setup);
      const auto evaluate = setup.evaluate;
      setup.evaluate = [&observer, evaluate](int64_t done, models::Variant& v) {
        evaluate(done, v);
        observer.maybe_commit();
      };
    }
    const LoopResult loop = train_loop(*variant, dataset, setup, observer);
    last_step = loop.stop_step;
    if (loop.diverged) {
      finish("diverged", loop.message, loop.stop_step);
      checkpoints.remove_all();  // a final state: nothing will resume it
      return RunResult{RunOutcome::kDiverged, loop.stop_step, loop.message};
    }
    if (loop.preempted) {  // its checkpoint (written by the loop) is where the rerun resumes
      finish("preempted", loop.message, loop.stop_step);
      return RunResult{RunOutcome::kPreempted, loop.stop_step, loop.message};
    }
    std::vector<NamedArray> weights;
    for (const auto& [name, tensor] : variant->generator_state())
      weights.push_back(to_named_array(name, tensor));
    writer.set_generator(std::move(weights));
    finish("completed", "", steps);
    checkpoints.remove_all();  // a 200-run study must not keep a checkpoint per run
    return RunResult{RunOutcome::kCompleted, steps, ""};
  } catch (const StepError& e) {
    result = RunResult{RunOutcome::kFailed, e.step(), e.what()};
  } catch (const std::exception& e) {
    result = RunResult{RunOutcome::kFailed, last_step, e.what()};
  }
  // Record the failure; if even that fails, the file still does not say completed.
  try {
    finish("failed", result.message, result.stop_step);
  } catch (const std::exception& e) {
    result.message += fmt::format(" (and the run file could not be updated: {})", e.what());
  }
  return result;
}

}  // namespace ganrun
