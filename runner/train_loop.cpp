// runner/train_loop.cpp — the one step loop (see header).
#include "runner/train_loop.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "data/dataset_loader.h"
#include "data/sample_order.h"
#include "models/run_random.h"

namespace ganrun {

torch::Tensor to_uint8_images(const torch::Tensor& images) {
  return ((images.to(torch::kFloat64) + 1.0) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
}

void maybe_throw_test_failure(const std::string& run_id, int64_t step) {
  const char* hook = std::getenv("GANRUN_TEST_THROW");
  if (hook == nullptr) return;
  const std::string spec(hook);
  const auto at = spec.rfind('@');
  if (at == std::string::npos) return;
  if (run_id.find(spec.substr(0, at)) == std::string::npos) return;
  if (step == std::stoll(spec.substr(at + 1)))
    throw std::runtime_error("injected failure (GANRUN_TEST_THROW) at step " +
                             std::to_string(step));
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
  return setup;
}

LoopResult train_loop(models::Variant& variant, data::BatchSource& source, const LoopSetup& setup,
                      LoopObserver& observer) {
  const RunSettings& s = *setup.settings;
  const auto dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  const auto device = setup.device;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);

  data::SampleOrder order(source.size(), s.batch, static_cast<uint64_t>(s.seed));
  const int64_t steps_per_epoch = order.batches_per_epoch() / s.n_critic;
  models::NoiseSource noise(static_cast<uint64_t>(s.seed), s.z_dim, setup.slice, options);
  // The sample grid's noise is drawn once, for the fixed batch only (no slicing).
  const auto fixed_z =
      models::normal_noise(setup.fixed_samples, s.z_dim, static_cast<uint64_t>(s.seed), 0,
                           models::Purpose::kFixedNoise, 0, options);
  models::MetricAccumulator metrics(variant.metric_names());
  const auto& names = variant.metric_names();

  LoopResult result;
  int64_t step = 0;
  try {
    for (; step < setup.total_steps; ++step) {
      maybe_throw_test_failure(setup.run_id, step);
      const int64_t epoch = step / steps_per_epoch;
      const int64_t first_batch = (step % steps_per_epoch) * s.n_critic;
      models::StepContext ctx;
      ctx.step = step;
      ctx.epoch = epoch;
      ctx.epoch_end = (step + 1) % steps_per_epoch == 0;
      ctx.noise = &noise;
      ctx.reducer = setup.reducer;
      ctx.sync_gradients = setup.sync_gradients;
      for (int64_t i = 0; i < s.n_critic; ++i) {
        ctx.critic_iter = i;
        const auto idx =
            order.indices(epoch, first_batch + i, setup.slice.offset, setup.slice.count);
        models::RealBatch real{data::to_training_range(source.images(idx, device), dtype),
                               source.labels(idx, device)};
        variant.discriminator_step(real, ctx, metrics);
      }
      ctx.critic_iter = s.n_critic;  // the generator's noise key follows the critic draws
      variant.generator_step(ctx, metrics);
      variant.end_step(ctx, metrics);

      const int64_t done = step + 1;
      const bool last = done == setup.total_steps;
      if (done % s.log_every == 0 || last) {
        std::vector<bool> sampled;
        const auto means = metrics.take_means(&sampled);
        observer.on_metrics(done, means);
        for (size_t m = 0; m < means.size(); ++m) {
          // A metric the variant did not record in this interval is not a divergence.
          if (sampled[m] && !std::isfinite(means[m])) {
            result.diverged = true;
            result.stop_step = done;
            result.message =
                names[m] + " is " + std::to_string(means[m]) + " at step " + std::to_string(done);
            return result;
          }
        }
      }
      if ((s.sample_every > 0 && done % s.sample_every == 0) || last)
        observer.on_samples(done, to_uint8_images(variant.sample(fixed_z)).to(torch::kCPU));
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
