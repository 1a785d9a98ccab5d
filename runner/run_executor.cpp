// runner/run_executor.cpp — one run from start to end, and its file (see header).
#include "runner/run_executor.h"

#include <fmt/format.h>
#include <torch/version.h>  // TORCH_VERSION
#include <unistd.h>         // getpid

#include <algorithm>
#include <chrono>
#include <cstdint>  // INT64_MAX
#include <cstdlib>
#include <exception>

#include "common/host_name.h"
#include "common/utc_time.h"
#include "models/variant.h"
#include "runner/config_error.h"
#include "runner/data_parallel.h"
#include "runner/png_grid.h"
#include "runner/progress.h"
#include "runner/run_evaluation.h"
#include "runner/run_file.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"
#include "runner/version.h"

namespace ganrun {
namespace {

// Seconds between snapshot commits at log points (sample points and the end always commit).
// A commit rewrites the run file; every few seconds keeps that far below 1% of step time.
double commit_interval_s() {
  const char* v = std::getenv("GANRUN_COMMIT_INTERVAL");
  return v != nullptr ? std::atof(v) : 5.0;
}

std::vector<uint8_t> tensor_bytes(const torch::Tensor& t) {
  auto c = t.contiguous().to(torch::kCPU);
  const auto* p = static_cast<const uint8_t*>(c.data_ptr());
  return std::vector<uint8_t>(p, p + c.nbytes());
}

NamedArray to_named_array(const std::string& name, const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU).contiguous();
  NamedArray a;
  a.name = name;
  a.shape.assign(c.sizes().begin(), c.sizes().end());
  a.is_float64 = c.scalar_type() == torch::kFloat64;
  if (!a.is_float64) c = c.to(torch::kFloat32);
  const auto* p = static_cast<const char*>(c.data_ptr());
  a.bytes.assign(p, p + c.nbytes());
  return a;
}

AttrMap run_attrs(const RunSpec& spec, const RunEnvironment& env, const data::BatchSource& dataset,
                  int64_t steps) {
  const RunSettings& s = spec.settings;
  return AttrMap{
      {"run_id", spec.id},
      {"variant", s.variant},
      {"arch", s.arch},
      {"preset", s.preset.empty() ? std::string("none") : s.preset},
      {"dataset", s.dataset},
      {"split", s.split},
      {"lr_g", s.lr_g},
      {"lr_d", s.lr_d},
      {"beta1", s.beta1},
      {"beta2", s.beta2},
      {"n_critic", s.n_critic},
      {"batch", s.batch},
      {"rank_batch", s.batch / env.group.size},  // this rank's slice of the global batch
      {"ranks", static_cast<int64_t>(env.group.size)},
      {"dtype", s.dtype},
      {"seed", s.seed},
      {"z_dim", s.z_dim},
      {"channels", dataset.channels()},
      {"height", dataset.height()},
      {"width", dataset.width()},
      {"total_steps", steps},
      {"device", env.device.str()},
      {"ganrun_version", std::string(version())},
      {"git_commit", std::string(git_commit())},
      {"torch_version", std::string(TORCH_VERSION)},
      {"host", host_name()},
      {"pid", static_cast<int64_t>(getpid())},
      {"threads", static_cast<int64_t>(env.threads)},
      {"command", env.command_line},
      {"started", utc_now()},
      {"ended", std::string()},
  };
}

// ---- toy runs: /toy and /eval rows from a ToyEval (README "HDF5 layout") ----------------------

std::vector<float> floats_of(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kFloat32).contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

ToyLayout toy_layout_of(const ToyEval& eval) {
  ToyLayout layout;
  layout.points = eval.points.size(0);
  layout.field_resolution = eval.field.defined() ? eval.field.size(0) : models::kFieldResolution;
  const auto c = eval.centres.to(torch::kCPU, torch::kFloat64).contiguous();
  layout.centres.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  layout.extent = {eval.extent.x_min, eval.extent.x_max, eval.extent.y_min, eval.extent.y_max};
  layout.sigma = eval.sigma;
  return layout;
}

// The first evaluation point declares /toy; a run without a critic net stores a NaN field.
void append_toy_eval(RunFileWriter& writer, bool first, int64_t steps_done, double wall_s,
                     const ToyEval& eval) {
  const ToyLayout layout = toy_layout_of(eval);
  if (first) writer.set_toy_layout(layout);
  const auto r = layout.field_resolution;
  const auto field = eval.field.defined() ? eval.field : torch::full({r, r}, NAN, torch::kFloat64);
  writer.append_toy(steps_done, floats_of(eval.points), floats_of(field));
  if (eval.coverage)
    writer.append_eval(steps_done,
                       {{"samples", static_cast<double>(eval.points.size(0))},
                        {"wall_s", wall_s},
                        {"eval_s", eval.seconds},
                        {"modes_covered", static_cast<double>(eval.coverage->modes_covered)},
                        {"high_quality", eval.coverage->high_quality}});
}

class FileObserver final : public LoopObserver {
 public:
  FileObserver(RunFileWriter& writer, ProgressReporter& progress, std::filesystem::path png,
               const std::vector<std::string>& names)
      : writer_(writer), progress_(progress), png_(std::move(png)) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "d_loss") d_index_ = static_cast<int>(i);
      if (names[i] == "g_loss") g_index_ = static_cast<int>(i);
    }
  }

  void on_metrics(int64_t steps_done, const std::vector<double>& means) override {
    const auto now = std::chrono::steady_clock::now();
    writer_.append_metrics(steps_done, std::chrono::duration<double>(now - start_).count(), means);
    progress_.report(steps_done, d_index_ >= 0 ? means[d_index_] : NAN,
                     g_index_ >= 0 ? means[g_index_] : NAN);
    if (std::chrono::duration<double>(now - last_commit_).count() >= commit_interval_s()) commit();
  }

  void on_samples(int64_t steps_done, const torch::Tensor& images_u8) override {
    writer_.append_samples(steps_done, tensor_bytes(images_u8));
    // Square grids (columns 0): 8 x 8, and conditional variants' 10 x 10 with a class a column.
    write_png_grid(png_, tensor_bytes(images_u8), images_u8.size(0), images_u8.size(1),
                   images_u8.size(2), images_u8.size(3), 0);
    commit();
  }

  // Toy evaluation points come every ~100 steps: commit them on the log points' interval, not
  // each time (a commit rewrites the whole file).
  void on_points(int64_t steps_done, const ToyEval& eval) override {
    const auto now = std::chrono::steady_clock::now();
    append_toy_eval(writer_, !toy_declared_, steps_done,
                    std::chrono::duration<double>(now - start_).count(), eval);
    toy_declared_ = true;
    toy_eval_seconds_ += eval.seconds;
    if (std::chrono::duration<double>(now - last_commit_).count() >= commit_interval_s()) commit();
  }

  void commit() {
    writer_.commit();
    last_commit_ = std::chrono::steady_clock::now();
  }
  // Commits at most every commit_interval_s (an evaluation row between log points).
  void maybe_commit() {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_commit_).count() >=
        commit_interval_s())
      commit();
  }
  double toy_eval_seconds() const { return toy_eval_seconds_; }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  RunFileWriter& writer_;
  ProgressReporter& progress_;
  std::filesystem::path png_;
  int d_index_ = -1, g_index_ = -1;
  bool toy_declared_ = false;
  double toy_eval_seconds_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_commit_ = start_;
};

// A rank of a data-parallel group other than its root records nothing: the root writes the
// file and the PNG from the group's averaged metrics.
class QuietObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

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
    LoopSetup setup = parallel.loop_setup(spec.settings, spec.id, steps, env.device);
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
    result = loop.diverged ? RunResult{RunOutcome::kDiverged, loop.stop_step, loop.message}
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
  static constexpr const char* kNames[] = {"completed", "diverged", "failed"};  // enum order
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
  RunFileWriter writer(run_file_path(env.runs_dir, spec.id), run_attrs(spec, env, dataset, steps),
                       to_yaml(s), metric_names,
                       dataset.is_points()  // toy runs store points under /toy, no images
                           ? SampleShape{}
                           : SampleShape{variant ? variant->samples_per_grid() : 64,
                                         dataset.channels(), dataset.height(), dataset.width()});
  ProgressReporter progress(env.rank, spec.id, steps);
  FileObserver observer(writer, progress, run_png_path(env.runs_dir, spec.id), metric_names);
  std::unique_ptr<InLoopEvaluation> evaluation;
  auto finish = [&](const std::string& status, const std::string& error, int64_t stop_step) {
    // What evaluation cost, stored and shown, so its share of a run's time stays visible.
    const double eval_s = evaluation ? evaluation->seconds() : observer.toy_eval_seconds();
    const double fraction = eval_s / std::max(observer.seconds(), 1e-9);
    writer.set_attr("eval_seconds", eval_s);
    writer.set_attr("eval_fraction", fraction);
    writer.set_attr("ended", utc_now());
    writer.set_status(status, error, stop_step);
    writer.commit();
    const std::string cost = eval_s > 0 ? fmt::format(" (evaluation {:.1f} s, {:.1f}% of the run)",
                                                      eval_s, 100.0 * fraction)
                                        : "";
    progress.finish(status == "completed"
                        ? status + cost
                        : fmt::format("{} at step {}: {}{}", status, stop_step, error, cost));
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
    LoopSetup setup = parallel ? parallel->loop_setup(s, spec.id, steps, env.device)
                               : single_process_setup(s, spec.id, steps, env.device);
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
      return RunResult{RunOutcome::kDiverged, loop.stop_step, loop.message};
    }
    std::vector<NamedArray> weights;
    for (const auto& [name, tensor] : variant->generator_state())
      weights.push_back(to_named_array(name, tensor));
    writer.set_generator(std::move(weights));
    finish("completed", "", steps);
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
