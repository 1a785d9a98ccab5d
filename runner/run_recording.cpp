// runner/run_recording.cpp — run attributes, generator arrays and the file observer (see header).
#include "runner/run_recording.h"

#include <fmt/format.h>
#include <torch/version.h>  // TORCH_VERSION
#include <unistd.h>         // getpid

#include <algorithm>
#include <cmath>  // NAN
#include <cstdlib>
#include <utility>  // std::pair

#include "common/host_name.h"
#include "common/utc_time.h"
#include "runner/data_parallel.h"  // load_on_every_rank
#include "runner/png_grid.h"
#include "runner/presets.h"  // apply_preset: the run's default learning rates
#include "runner/version.h"

namespace ganrun {
namespace {

// Seconds between snapshot commits at log points (sample points and the end always commit).
// A commit rewrites the run file; every few seconds keeps that far below 1% of step time.
double commit_interval_s() {
  const char* v = std::getenv("GANRUN_COMMIT_INTERVAL");
  return v != nullptr ? std::atof(v) : 5.0;
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

}  // namespace

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

// The learning rates this variant would get from its preset (or ganrun's defaults) with none set
// explicitly: the "default lr" the analysis report compares each variant's best lr with.
namespace {
std::pair<double, double> default_learning_rates(const RunSettings& s) {
  RunSettings d;
  d.variant = s.variant;
  if (!s.preset.empty()) apply_preset(d, s.preset, {});
  return {d.lr_g, d.lr_d};
}
}  // namespace

AttrMap run_attrs(const RunSpec& spec, const RunEnvironment& env, const data::BatchSource& dataset,
                  int64_t steps) {
  const RunSettings& s = spec.settings;
  const auto [default_lr_g, default_lr_d] = default_learning_rates(s);
  return AttrMap{
      {"run_id", spec.id},
      {"variant", s.variant},
      {"arch", s.arch},
      {"preset", s.preset.empty() ? std::string("none") : s.preset},
      {"dataset", s.dataset},
      {"split", s.split},
      {"lr_g", s.lr_g},
      {"lr_d", s.lr_d},
      {"default_lr_g", default_lr_g},
      {"default_lr_d", default_lr_d},
      {"beta1", s.beta1},
      {"beta2", s.beta2},
      {"n_critic", s.n_critic},
      {"batch", s.batch},
      {"rank_batch", s.batch / env.group.size},  // this rank's slice of the global batch
      {"ranks", static_cast<int64_t>(env.group.size)},
      {"dtype", s.dtype},
      {"reduced_precision", s.reduced_precision},
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
      // Unpacked runs are packs of one (runner/pack_executor.cpp overwrites both).
      {"pack_size", int64_t{1}},
      {"pack_members", spec.id},
  };
}

FileObserver::FileObserver(RunFileWriter& writer, ProgressReporter& progress,
                           std::filesystem::path png, const std::vector<std::string>& names)
    : writer_(writer), progress_(progress), png_(std::move(png)) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "d_loss") d_index_ = static_cast<int>(i);
    if (names[i] == "g_loss") g_index_ = static_cast<int>(i);
  }
}

void FileObserver::on_metrics(int64_t steps_done, const std::vector<double>& means) {
  const auto now = std::chrono::steady_clock::now();
  writer_.append_metrics(steps_done, std::chrono::duration<double>(now - start_).count(), means);
  progress_.report(steps_done, d_index_ >= 0 ? means[d_index_] : NAN,
                   g_index_ >= 0 ? means[g_index_] : NAN);
  if (std::chrono::duration<double>(now - last_commit_).count() >= commit_interval_s()) commit();
}

void FileObserver::on_samples(int64_t steps_done, const torch::Tensor& images_u8) {
  writer_.append_samples(steps_done, tensor_bytes(images_u8));
  // Square grids (columns 0): 8 x 8, and conditional variants' 10 x 10 with a class a column.
  write_png_grid(png_, tensor_bytes(images_u8), images_u8.size(0), images_u8.size(1),
                 images_u8.size(2), images_u8.size(3), 0);
  commit();
}

void FileObserver::on_points(int64_t steps_done, const ToyEval& eval) {
  const auto now = std::chrono::steady_clock::now();
  append_toy_eval(writer_, !toy_declared_, steps_done,
                  std::chrono::duration<double>(now - start_).count(), eval);
  toy_declared_ = true;
  toy_eval_seconds_ += eval.seconds;
  if (std::chrono::duration<double>(now - last_commit_).count() >= commit_interval_s()) commit();
}

void FileObserver::commit() {
  const auto started = std::chrono::steady_clock::now();
  writer_.commit();
  last_commit_ = std::chrono::steady_clock::now();
  commit_seconds_ += std::chrono::duration<double>(last_commit_ - started).count();
}

void FileObserver::maybe_commit() {
  if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_commit_).count() >=
      commit_interval_s())
    commit();
}

void finish_run_file(RunFileWriter& writer, const FileObserver& observer,
                     ProgressReporter& progress, double eval_s, const std::string& status,
                     const std::string& error, int64_t stop_step, const std::string& suffix) {
  // What evaluation cost, stored and shown, so its share of a run's time stays visible.
  const double fraction = eval_s / std::max(observer.seconds(), 1e-9);
  writer.set_attr("eval_seconds", eval_s);
  writer.set_attr("eval_fraction", fraction);
  writer.set_attr("commit_seconds", observer.commit_seconds());  // snapshots so far
  writer.set_attr("ended", utc_now());
  writer.set_status(status, error, stop_step);
  writer.commit();
  const std::string cost = eval_s > 0 ? fmt::format(" (evaluation {:.1f} s, {:.1f}% of the run)",
                                                    eval_s, 100.0 * fraction)
                                      : "";
  progress.finish(status == "completed" ? status + suffix + cost
                                        : fmt::format("{} at step {}: {}{}{}", status, stop_step,
                                                      error, suffix, cost));
}

double FileObserver::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

ResumedAttempt start_attempt(RunFileWriter& writer, const std::filesystem::path& path,
                             std::optional<int64_t> checkpoint_step) {
  ResumedAttempt attempt;
  AttrMap before;
  try {
    if (checkpoint_step && std::filesystem::exists(path)) {
      before = writer.resume_rows(path, *checkpoint_step);
      attempt.from_step = *checkpoint_step;
    } else if (auto summary = read_run_summary(path)) {
      before = summary->attrs;
    }
  } catch (const std::exception& e) {
    // A file the interrupted attempt left unreadable: this attempt starts over.
    fmt::print(stderr, "ganrun: {}; the run starts over\n", e.what());
    attempt.from_step = 0;
  }
  if (auto it = before.find("attempts");
      it != before.end() && std::holds_alternative<int64_t>(it->second))
    attempt.number = std::get<int64_t>(it->second) + 1;
  else if (!before.empty())
    attempt.number = 2;  // a file from before attempts were counted
  writer.set_attr("attempts", attempt.number);
  writer.set_attr("resumed_from_step", attempt.from_step);
  return attempt;
}

void attach_checkpoints(LoopSetup& setup, CheckpointStore& store, int64_t from_step, int64_t every,
                        const launch::ProcessGroup& group, std::function<void()> commit_first) {
  if (from_step > 0) {
    setup.start_step = from_step;
    const torch::Device device = setup.device;
    setup.restore = [&store, from_step, group, device](models::Variant& v,
                                                       models::MetricAccumulator& m) {
      load_on_every_rank(group, [&] { store.load(from_step, v, m, device); });
    };
  }
  setup.checkpoint_every = every;
  setup.checkpoint = [&store, commit = std::move(commit_first)](
                         int64_t done, models::Variant& v, const models::MetricAccumulator& m) {
    if (commit) commit();
    store.write(done, v, m);
  };
}

}  // namespace ganrun
