// runner/train_loop.cpp — the one step loop (see header).
#include "runner/train_loop.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "data/dataset_loader.h"
#include "data/sample_order.h"
#include "models/run_random.h"
#include "runner/stop_request.h"

namespace ganrun {

torch::Tensor to_uint8_images(const torch::Tensor& images, const std::string& pixel_range) {
  const auto x = images.to(torch::kFloat64);
  torch::Tensor scaled;
  if (pixel_range == "pm1")
    scaled = (x + 1.0) * 127.5;
  else if (pixel_range == "01")
    scaled = x * 255.0;
  else
    throw std::invalid_argument("to_uint8_images: pixel_range '" + pixel_range +
                                "' is not pm1 or 01");
  return scaled.round().clamp(0, 255).to(torch::kUInt8);
}

// ---- toy runs -------------------------------------------------------------------------------

namespace {

// The critic net of a variant: the first of its networks that is one (nullptr: none, e.g. an
// auto-encoder discriminator).
models::CriticNet* find_critic(models::Variant& variant) {
  for (const auto& net : variant.networks())
    if (auto* critic = dynamic_cast<models::CriticNet*>(net.get())) return critic;
  return nullptr;
}

}  // namespace

torch::Tensor real_rows(data::BatchSource& source, const torch::Tensor& idx, torch::Device device,
                        torch::Dtype dtype, const std::string& pixel_range) {
  if (source.is_points()) return source.points(idx, device).to(dtype);
  return data::to_training_range(source.images(idx, device), dtype, pixel_range);
}

ToyEval evaluate_toy(models::Variant& variant, const torch::Tensor& fixed_z,
                     const data::ToySet& set, const models::FieldExtent& extent) {
  ToyEval eval;
  eval.points = variant.sample(fixed_z).reshape({-1, 2}).to(torch::kCPU, torch::kFloat64);
  eval.extent = extent;
  eval.sigma = set.sigma;
  eval.centres = set.centres.defined() ? set.centres.to(torch::kFloat64)
                                       : torch::empty({0, 2}, torch::kFloat64);
  // The fixed noise is in the run's dtype and on its device, like the critic.
  if (auto* critic = find_critic(variant))
    eval.field = models::decision_field(*critic, extent, fixed_z.options());
  if (eval.centres.size(0) > 0 && set.sigma > 0.0)
    eval.coverage = models::mode_coverage(eval.points, eval.centres, set.sigma);
  return eval;
}

namespace {

// True when the test hook `name` ("<run-id substring>@<step>") names this run and step.
bool test_hook_matches(const char* name, const std::string& run_id, int64_t step) {
  const char* hook = std::getenv(name);
  if (hook == nullptr) return false;
  const std::string spec(hook);
  const auto at = spec.rfind('@');
  if (at == std::string::npos) return false;
  return run_id.find(spec.substr(0, at)) != std::string::npos &&
         step == std::stoll(spec.substr(at + 1));
}

}  // namespace

void maybe_throw_test_failure(const std::string& run_id, int64_t step) {
  if (test_hook_matches("GANRUN_TEST_THROW", run_id, step))
    throw std::runtime_error("injected failure (GANRUN_TEST_THROW) at step " +
                             std::to_string(step));
  // A kill at a chosen step (resume tests): nothing after it runs, as under kill -9.
  if (test_hook_matches("GANRUN_TEST_KILL", run_id, step)) std::raise(SIGKILL);
}

LoopSetup single_process_setup(const RunSettings& settings, std::string run_id, int64_t total_steps,
                               torch::Device device) {
  // Stateless, so one instance serves every run of the process.
  static const models::LocalReducer kLocalReducer;
  static const models::GradientSync kNoSync = [](torch::nn::Module&) {};
  LoopSetup setup;
  setup.settings = &settings;
  setup.run_id = std::move(run_id);
  setup.total_steps = total_steps;
  setup.slice = models::BatchSlice{settings.batch, 0, settings.batch};
  setup.reducer = &kLocalReducer;
  setup.sync_gradients = &kNoSync;
  setup.device = device;
  setup.should_stop = stop_requested;
  return setup;
}

models::StepContext step_context(int64_t step, int64_t steps_per_epoch,
                                 const models::NoiseSource& noise, const LoopSetup& setup) {
  models::StepContext ctx;
  ctx.step = step;
  ctx.epoch = step / steps_per_epoch;
  ctx.epoch_end = (step + 1) % steps_per_epoch == 0;
  ctx.noise = &noise;
  ctx.reducer = setup.reducer;
  ctx.sync_gradients = setup.sync_gradients;
  return ctx;
}

void step_updates(models::Variant& variant, models::StepContext& ctx,
                  const std::vector<models::RealBatch>& batches,
                  models::MetricAccumulator& metrics) {
  const auto n_critic = static_cast<int64_t>(batches.size());
  for (int64_t i = 0; i < n_critic; ++i) {
    ctx.critic_iter = i;
    variant.discriminator_step(batches[static_cast<size_t>(i)], ctx, metrics);
  }
  ctx.critic_iter = n_critic;
  variant.generator_step(ctx, metrics);
}

void epoch_tail_updates(models::Variant& variant, models::StepContext ctx, int64_t n_critic,
                        int64_t first_batch, int64_t end_batch,
                        const std::function<models::RealBatch(int64_t)>& real_batch,
                        models::MetricAccumulator& metrics) {
  if (!ctx.epoch_end) return;
  for (int64_t b = first_batch; b < end_batch; ++b) {
    ctx.critic_iter = n_critic + 1 + (b - first_batch);
    variant.discriminator_step(real_batch(b), ctx, metrics);
  }
}

std::string divergence_message(const std::vector<std::string>& names,
                               const std::vector<bool>& sampled, const std::vector<double>& means,
                               int64_t steps_done) {
  for (size_t m = 0; m < means.size(); ++m)
    if (sampled[m] && !std::isfinite(means[m]))
      return names[m] + " is " + std::to_string(means[m]) + " at step " +
             std::to_string(steps_done);
  return "";
}

void record_points(models::Variant& variant, const PointInputs& in, const LoopSetup& setup,
                   int64_t steps_done, bool eval_point, bool sample_point, LoopObserver& observer) {
  if (in.toy != nullptr) {
    if (!eval_point) return;
    const auto started = std::chrono::steady_clock::now();
    ToyEval eval = evaluate_toy(variant, in.fixed_z, *in.toy, in.toy_extent);
    eval.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    observer.on_points(steps_done, eval);
    return;
  }
  if (eval_point && setup.evaluate) setup.evaluate(steps_done, variant);
  if (sample_point)
    observer.on_samples(
        steps_done, to_uint8_images(variant.sample(in.fixed_z), in.pixel_range).to(torch::kCPU));
}

Float32Precision::Float32Precision(const std::string& reduced_precision) {
  using at::Float32Backend, at::Float32Op;
  auto& context = at::globalContext();
  matmul_ = context.float32Precision(Float32Backend::CUDA, Float32Op::MATMUL);
  conv_ = context.float32Precision(Float32Backend::CUDA, Float32Op::CONV);
  const auto wanted =
      reduced_precision == "tf32" ? at::Float32Precision::TF32 : at::Float32Precision::IEEE;
  context.setFloat32Precision(Float32Backend::CUDA, Float32Op::MATMUL, wanted);
  context.setFloat32Precision(Float32Backend::CUDA, Float32Op::CONV, wanted);
}

Float32Precision::~Float32Precision() {
  auto& context = at::globalContext();
  context.setFloat32Precision(at::Float32Backend::CUDA, at::Float32Op::MATMUL, matmul_);
  context.setFloat32Precision(at::Float32Backend::CUDA, at::Float32Op::CONV, conv_);
}

std::unique_ptr<StepGraph> make_step_graph(const LoopSetup& setup, models::Variant& variant) {
  const bool data_parallel = setup.slice.count != setup.slice.global_batch;
  auto notice = setup.notice;
  if (!notice) {
    notice = [id = setup.run_id](const std::string& message) {
      fmt::print(stderr, "ganrun: {}: {}\n", id, message);
    };
  }
  std::string refusal = StepGraph::refusal(setup.device, data_parallel, variant);
  // The tail's eager critic updates between replays would read the noise tape out of order.
  if (refusal.empty() && setup.settings->epoch_tail == "critic")
    refusal = "epoch_tail: critic runs an epoch's leftover critic updates outside the step";
  return std::make_unique<StepGraph>(setup.graphs, setup.device, variant, refusal,
                                     std::move(notice));
}

LoopResult train_loop(models::Variant& variant, data::BatchSource& source, const LoopSetup& setup,
                      LoopObserver& observer) {
  const RunSettings& s = *setup.settings;
  const Float32Precision precision(s.reduced_precision);
  const auto dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  const auto device = setup.device;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);

  data::SampleOrder order(source.size(), s.batch, static_cast<uint64_t>(s.seed));
  const int64_t steps_per_epoch = order.batches_per_epoch() / s.n_critic;
  const models::ZDist z_dist = models::parse_z_dist(s.z_dist);
  models::NoiseSource noise(static_cast<uint64_t>(s.seed), s.z_dim, setup.slice, options, z_dist);
  // The sample grid's noise is drawn once, for the fixed batch only (no slicing).
  // Toy runs score more points than a grid shows (setup.toy_samples).
  const data::ToySet* toy = source.toy_set();
  const auto fixed_z = models::draw_z(toy ? setup.toy_samples : setup.fixed_samples, s.z_dim,
                                      static_cast<uint64_t>(s.seed), 0,
                                      models::Purpose::kFixedNoise, 0, z_dist, options);
  // The field covers the data (plus a margin) at every evaluation point: one extent per run.
  const models::FieldExtent toy_extent =
      toy ? models::field_extent(toy->points) : models::FieldExtent{};
  models::MetricAccumulator metrics(variant.metric_names());
  // Intervals given in epochs ({epochs: N}) become steps here.
  const int64_t log_every = std::max<int64_t>(1, interval_steps(s.log_every, steps_per_epoch));
  const int64_t sample_every = interval_steps(s.sample_every, steps_per_epoch);
  const auto& names = variant.metric_names();

  LoopResult result;
  int64_t step = setup.start_step;
  if (setup.restore) setup.restore(variant, metrics);
  const auto graph = make_step_graph(setup, variant);
  try {
    // The untrained generator's scores: the baseline a run that "learned nothing" stays near.
    if (setup.eval_at_start && step == 0)
      record_points(variant, {fixed_z, toy, toy_extent, s.pixel_range}, setup, 0,
                    /*eval_point=*/true, /*sample_point=*/false, observer);
    for (; step < setup.total_steps; ++step) {
      if (setup.should_stop && setup.should_stop()) {
        // On demand: a checkpoint of the steps done, so the next attempt loses nothing.
        if (setup.checkpoint && step > 0) setup.checkpoint(step, variant, metrics);
        result.preempted = true;
        result.stop_step = step;
        result.message = "stopped by " + stop_signal_name() + " at step " + std::to_string(step);
        return result;
      }
      maybe_throw_test_failure(setup.run_id, step);
      models::StepContext ctx = step_context(step, steps_per_epoch, noise, setup);
      const auto real_batch = [&](int64_t b) -> models::RealBatch {
        const auto idx = order.indices(ctx.epoch, b, setup.slice.offset, setup.slice.count);
        return {real_rows(source, idx, device, dtype, s.pixel_range), source.labels(idx, device)};
      };
      const int64_t first_batch = (step % steps_per_epoch) * s.n_critic;
      std::vector<models::RealBatch> reals;
      for (int64_t i = 0; i < s.n_critic; ++i) reals.push_back(real_batch(first_batch + i));
      // The critic updates and the generator update: eager, or replayed (runner/step_graph.h).
      graph->run(step, reals, noise, metrics, [&](const std::vector<models::RealBatch>& batch) {
        step_updates(variant, ctx, batch, metrics);
      });
      if (s.epoch_tail == "critic")
        epoch_tail_updates(variant, ctx, s.n_critic, steps_per_epoch * s.n_critic,
                           order.batches_per_epoch(), real_batch, metrics);
      variant.end_step(ctx, metrics);

      const int64_t done = step + 1;
      const bool last = done == setup.total_steps;
      if (done % log_every == 0 || last) {
        std::vector<bool> sampled;
        auto means = metrics.take_means(&sampled);
        if (setup.reduce_metrics) setup.reduce_metrics(means);
        observer.on_metrics(done, means);
        result.message = divergence_message(names, sampled, means, done);
        if (!result.message.empty()) {
          result.diverged = true;
          result.stop_step = done;
          return result;
        }
      }
      const bool eval_point =
          (setup.eval_every > 0 && done % setup.eval_every == 0) || (last && setup.eval_at_end);
      const bool sample_point = (sample_every > 0 && done % sample_every == 0) || last;
      record_points(variant, {fixed_z, toy, toy_extent, s.pixel_range}, setup, done, eval_point,
                    sample_point, observer);
      if (setup.checkpoint && setup.checkpoint_every > 0 && done % setup.checkpoint_every == 0 &&
          !last)
        setup.checkpoint(done, variant, metrics);
    }
  } catch (const StepError&) {
    throw;
  } catch (const std::exception& e) {
    throw StepError(step, e.what());
  }
  result.stop_step = setup.total_steps;
  return result;
}

}  // namespace ganrun
