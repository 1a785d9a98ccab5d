// tests/tools/collection_trace.cpp — what tests/python/test_collection_iterations.py feeds its
// own PyTorch version of the collection's training iterations, and what it compares with: one
// variant under `preset: collection` (every quirk setting as that preset turns it on), float64,
// batch 8, trained for `steps` generator steps by the loop's own step_updates, recording
//   G0, D0      every parameter and buffer of G and of D (the critic or auto-encoder) at the start;
//   real_images, real_labels  per step, the n_critic real batches (images in [-1, 1]), drawn here;
//   draws       per step, every random draw the step made, in call order (the noise tape);
//   G, D        the nets after the last step;
//   n_critic, batch, steps.
// Written with torch::pickle_save, which Python's torch.load reads.
//
//   collection_trace VARIANT OUT [STEPS]
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/ops/randint.h>
#include <torch/serialize.h>  // torch::pickle_save

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "models/metric_accumulator.h"
#include "models/variant.h"
#include "runner/presets.h"
#include "runner/run_settings.h"
#include "runner/train_loop.h"  // step_updates
#include "runner/variant_config.h"

namespace {

using ganrun::RunSettings;
namespace models = ganrun::models;

constexpr int64_t kBatch = 8;
constexpr uint64_t kSeed = 3;

// Every parameter and buffer of `net` by its LibTorch name, copied.
c10::Dict<std::string, at::Tensor> state_of(const torch::nn::Module& net) {
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& p : net.named_parameters()) state.insert(p.key(), p.value().detach().clone());
  for (const auto& b : net.named_buffers()) state.insert(b.key(), b.value().detach().clone());
  return state;
}

struct RealBatchShape {
  int64_t channels, height, width, classes;
};

// Step `step`'s real batch `i`: uniform images in [-1, 1] and labels, from a generator of its own.
models::RealBatch real_batch(int64_t step, int64_t i, const RealBatchShape& shape) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1000 + 10 * step + i);
  models::RealBatch real;
  real.images = at::empty({kBatch, shape.channels, shape.height, shape.width}, torch::kFloat64)
                    .uniform_(-1.0, 1.0, gen);
  real.labels =
      at::randint(shape.classes, {kBatch}, gen, torch::TensorOptions().dtype(torch::kInt64));
  return real;
}

int trace(const std::string& variant_name, const std::string& out, int64_t steps) {
  RunSettings s;
  s.variant = variant_name;
  s.dataset = "mnist";
  ganrun::apply_preset(s, "collection", {});
  s.dtype = "float64";
  s.batch = kBatch;
  s.seed = static_cast<int64_t>(kSeed);
  const ganrun::DataShape shape = ganrun::data_shape(s.dataset);
  auto variant = models::make_variant(ganrun::make_variant_config(s, shape, torch::kCPU));
  const auto nets = variant->networks();

  c10::impl::GenericDict result(c10::StringType::get(), c10::AnyType::get());
  result.insert("variant", variant_name);
  result.insert("n_critic", s.n_critic);
  result.insert("batch", kBatch);
  result.insert("steps", steps);
  result.insert("G0", state_of(*nets.at(0)));
  result.insert("D0", state_of(*nets.at(1)));

  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  models::NoiseSource noise(kSeed, s.z_dim, models::BatchSlice{kBatch, 0, kBatch}, options,
                            models::parse_z_dist(s.z_dist));
  const models::LocalReducer reducer;
  const models::GradientSync no_sync = [](torch::nn::Module&) {};
  models::MetricAccumulator metrics(variant->metric_names());
  c10::List<c10::List<at::Tensor>> images, labels, draws;
  for (int64_t step = 0; step < steps; ++step) {
    std::vector<models::RealBatch> reals;
    c10::List<at::Tensor> step_images, step_labels;
    for (int64_t i = 0; i < s.n_critic; ++i) {
      reals.push_back(real_batch(step, i, {shape.channels, shape.height, shape.width, 10}));
      step_images.push_back(reals.back().images);
      step_labels.push_back(reals.back().labels);
    }
    models::StepContext ctx;
    ctx.step = step;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    noise.set_tape(models::DrawTape::kRecord);
    ganrun::step_updates(*variant, ctx, reals, metrics);
    variant->end_step(ctx, metrics);
    c10::List<at::Tensor> step_draws;
    for (const auto& d : noise.recorded_draws()) step_draws.push_back(d.clone());
    noise.set_tape(models::DrawTape::kOff);
    images.push_back(step_images);
    labels.push_back(step_labels);
    draws.push_back(step_draws);
  }
  result.insert("real_images", images);
  result.insert("real_labels", labels);
  result.insert("draws", draws);
  result.insert("G", state_of(*nets.at(0)));
  result.insert("D", state_of(*nets.at(1)));

  const std::vector<char> bytes = torch::pickle_save(c10::IValue(result));
  std::ofstream file(out, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return file ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: collection_trace VARIANT OUT [STEPS]\n");
    return 2;
  }
  try {
    return trace(argv[1], argv[2], argc == 4 ? std::stoll(argv[3]) : 3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "collection_trace: %s\n", e.what());
    return 1;
  }
}
