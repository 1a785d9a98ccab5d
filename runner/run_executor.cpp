// runner/run_executor.cpp — one run from start to end, and its file (see header).
#include "runner/run_executor.h"

#include <fmt/format.h>
#include <torch/version.h>  // TORCH_VERSION
#include <unistd.h>         // gethostname, getpid

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <exception>

#include "models/variant.h"
#include "runner/config_error.h"
#include "runner/png_grid.h"
#include "runner/progress.h"
#include "runner/run_file.h"
#include "runner/train_loop.h"
#include "runner/version.h"

namespace ganrun {
namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

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
      {"preset", std::string("none")},
      {"dataset", s.dataset},
      {"split", s.split},
      {"lr_g", s.lr_g},
      {"lr_d", s.lr_d},
      {"beta1", s.beta1},
      {"beta2", s.beta2},
      {"n_critic", s.n_critic},
      {"batch", s.batch},
      {"rank_batch", s.batch},  // one process per run in this version
      {"ranks", int64_t{1}},
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
    write_png_grid(png_, tensor_bytes(images_u8), images_u8.size(0), images_u8.size(1),
                   images_u8.size(2), images_u8.size(3), 8);
    commit();
  }

  void commit() {
    writer_.commit();
    last_commit_ = std::chrono::steady_clock::now();
  }

 private:
  RunFileWriter& writer_;
  ProgressReporter& progress_;
  std::filesystem::path png_;
  int d_index_ = -1, g_index_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_commit_ = start_;
};

}  // namespace

std::filesystem::path run_file_path(const std::filesystem::path& runs_dir, const std::string& id) {
  return runs_dir / (id + ".h5");
}

std::filesystem::path run_png_path(const std::filesystem::path& runs_dir, const std::string& id) {
  return runs_dir / (id + ".png");
}

int64_t total_steps(const RunSettings& s, int64_t dataset_size) {
  if (s.steps > 0) {
    if (dataset_size / s.batch < 1)
      throw ConfigError(fmt::format(
          "batch {} is larger than the data set ({} samples); lower batch", s.batch, dataset_size));
    return s.steps;
  }
  const int64_t per_epoch = (dataset_size / s.batch) / s.n_critic;
  if (per_epoch < 1)
    throw ConfigError(fmt::format(
        "batch {} x n_critic {} needs more than the {} samples of the data set for one step; "
        "lower batch or n_critic",
        s.batch, s.n_critic, dataset_size));
  return s.epochs * per_epoch;
}

RunResult execute_run(const RunSpec& spec, data::BatchSource& dataset, const RunEnvironment& env) {
  const RunSettings& s = spec.settings;
  const int64_t steps = total_steps(s, dataset.size());
  models::VariantConfig vc;
  vc.variant = s.variant;
  vc.arch = s.arch;
  vc.z_dim = s.z_dim;
  vc.channels = dataset.channels();
  vc.height = dataset.height();
  vc.width = dataset.width();
  vc.opt_g.lr = s.lr_g;
  vc.opt_d.lr = s.lr_d;
  vc.opt_g.beta1 = vc.opt_d.beta1 = s.beta1;
  vc.opt_g.beta2 = vc.opt_d.beta2 = s.beta2;
  vc.seed = static_cast<uint64_t>(s.seed);
  vc.dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  vc.device = env.device;

  constexpr int64_t kFixedSamples = 64;  // an 8x8 grid
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
  RunFileWriter writer(
      run_file_path(env.runs_dir, spec.id), run_attrs(spec, env, dataset, steps), to_yaml(s),
      metric_names,
      SampleShape{kFixedSamples, dataset.channels(), dataset.height(), dataset.width()});
  ProgressReporter progress(env.rank, spec.id, steps);
  FileObserver observer(writer, progress, run_png_path(env.runs_dir, spec.id), metric_names);
  auto finish = [&](const std::string& status, const std::string& error, int64_t stop_step) {
    writer.set_attr("ended", utc_now());
    writer.set_status(status, error, stop_step);
    writer.commit();
    progress.finish(status == "completed"
                        ? status
                        : fmt::format("{} at step {}: {}", status, stop_step, error));
  };

  int64_t last_step = 0;
  try {
    if (!build_error.empty()) throw std::runtime_error(build_error);
    writer.commit();  // the file exists, status running, from the first moment
    LoopSetup setup = single_process_setup(s, spec.id, steps, env.device);
    setup.fixed_samples = kFixedSamples;
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
