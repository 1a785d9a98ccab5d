// tests/gpu/gpu_test_support.h — what the CUDA checks share: a run of ganrun's own step loop
// (runner/train_loop.h) on synthetic data of the architecture's shape, built from RunSettings
// as the runner builds it (make_variant_config), on a chosen device, with every log point's
// metric means kept. Header-only: each GPU test file is one translation unit.
#pragma once

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/randint.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "data/dataset.h"
#include "data/toy_sets.h"
#include "models/variant.h"
#include "runner/run_settings.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace ganrun::gpu_test {

// Skips the calling test (recorded as a skip, tests/support) without a CUDA device.
#define GANRUN_REQUIRE_CUDA()                                                   \
  do {                                                                          \
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible"; \
  } while (0)

// The natural data shape of an architecture (toy: 2 x 1 x 1 points).
inline DataShape shape_for(const std::string& arch) {
  if (arch == "toy") return {2, 1, 1, 0};
  if (arch == "dcgan32" || arch == "ae32") return {3, 32, 32, 10};
  return {1, 28, 28, 10};
}

// Synthetic data of the arch's shape, identical on every device (drawn on the CPU from its own
// seed, then held on `device`): uint8 images with labels over 10 classes, or toy-ring8 points.
inline std::unique_ptr<data::BatchSource> synthetic_source(const std::string& arch, int64_t n,
                                                           torch::Device device) {
  constexpr uint64_t kDataSeed = 20261203;
  if (arch == "toy")
    return data::make_toy_source(data::make_toy_set("toy-ring8", n, kDataSeed), device);
  const DataShape s = shape_for(arch);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(kDataSeed);
  data::Dataset d;
  d.name = "synthetic";
  d.split = "train";
  d.images = at::randint(256, {n, s.channels, s.height, s.width}, gen,
                         torch::TensorOptions().dtype(torch::kUInt8));
  d.labels = at::randint(s.classes, {n}, gen, torch::TensorOptions().dtype(torch::kInt64));
  return data::make_in_memory_source(std::move(d), device);
}

// Every log point's metric means; samples and toy points are not kept.
class MetricLog final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>& means) override { rows.push_back(means); }
  void on_samples(int64_t, const torch::Tensor&) override {}
  void on_points(int64_t, const ToyEval&) override {}
  std::vector<std::vector<double>> rows;
};

// One run of `steps` steps of the settings on `device`, logging every `log_every` steps:
// prepare_loop builds the data (on the device), the variant and the loop's set-up; run_prepared
// runs the steps, so a test can observe the steps alone.
struct LoopRun {
  std::unique_ptr<RunSettings> settings;  // LoopSetup points at it
  std::unique_ptr<data::BatchSource> source;
  std::unique_ptr<models::Variant> variant;
  LoopSetup setup;
  MetricLog log;
  LoopResult result;
};

inline LoopRun prepare_loop(const RunSettings& settings, torch::Device device, int64_t steps,
                            int64_t log_every) {
  LoopRun run;
  run.settings = std::make_unique<RunSettings>(settings);
  RunSettings& s = *run.settings;
  s.log_every = log_every;
  s.sample_every = 0;  // one grid at the end: exercised, never compared
  run.source = synthetic_source(s.arch, s.batch * s.n_critic * 4, device);
  run.variant = models::make_variant(make_variant_config(s, shape_for(s.arch), device));
  run.setup = single_process_setup(s, "gpu-test", steps, device);
  run.setup.eval_at_end = true;  // toy runs: one evaluation point, at the end
  run.setup.toy_samples = 256;
  return run;
}

inline void run_prepared(LoopRun& run) {
  run.result = train_loop(*run.variant, *run.source, run.setup, run.log);
}

inline LoopRun run_loop(const RunSettings& s, torch::Device device, int64_t steps,
                        int64_t log_every) {
  LoopRun run = prepare_loop(s, device, steps, log_every);
  run_prepared(run);
  return run;
}

}  // namespace ganrun::gpu_test
