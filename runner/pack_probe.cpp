// runner/pack_probe.cpp — sizing auto packs by memory and a measured probe (see header).
#include "runner/pack_probe.h"

#include <ATen/ATen.h>  // at::cat, at::stack
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>  // cudaMemGetInfo
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <sstream>

#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace ganrun {
namespace {

using Clock = std::chrono::steady_clock;

void synchronize(torch::Device device) {
  if (device.is_cuda()) c10::cuda::getCurrentCUDAStream(device.index()).synchronize();
}

// Bytes the allocator could still hand out: the device's free memory (after returning the
// cache), or the host's MemAvailable.
int64_t free_bytes(torch::Device device) {
  if (device.is_cuda()) {
    const c10::cuda::CUDAGuard guard(device.index());
    c10::cuda::CUDACachingAllocator::emptyCache();
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) return 0;
    return static_cast<int64_t>(free);
  }
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

int64_t state_bytes(models::Variant& v) {
  int64_t bytes = 0;
  for (const auto& net : v.networks()) {
    for (const auto& p : net->parameters()) bytes += p.numel() * p.element_size();
    for (const auto& b : net->buffers()) bytes += b.numel() * b.element_size();
  }
  return bytes;
}

// A pack of k copies of `s` (seeds s.seed, s.seed + 1, ...: the probe times, it does not train).
models::PackedVariant probe_pack(const RunSettings& s, const DataShape& shape, torch::Device device,
                                 int64_t k) {
  std::vector<models::VariantConfig> configs;
  for (int64_t i = 0; i < k; ++i) {
    RunSettings member = s;
    member.seed = s.seed + i;
    configs.push_back(make_variant_config(member, shape, device));
  }
  return models::make_packed_variant(configs);
}

// Member-steps per second of the packed step with k members, timed for about `seconds` after
// two warm-up steps.
double measure_rate(models::Variant& variant, const RunSettings& s, data::BatchSource& source,
                    torch::Device device, const models::BatchSlice& slice, int64_t k,
                    double seconds) {
  const auto dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  std::vector<uint64_t> seeds(static_cast<size_t>(k));
  std::iota(seeds.begin(), seeds.end(), 0);
  const models::NoiseSource noise(seeds, s.z_dim, slice, options, models::parse_z_dist(s.z_dist));
  const models::LocalReducer reducer;
  const models::GradientSync no_sync = [](torch::nn::Module&) {};
  // Every member sees the source's first rows: the rate does not depend on which rows.
  const auto idx = torch::arange(slice.count, torch::kInt64);
  const auto images = real_rows(source, idx, device, dtype, s.pixel_range);
  const auto labels = source.labels(idx, device);
  const std::vector<torch::Tensor> image_parts(static_cast<size_t>(k), images);
  const std::vector<torch::Tensor> label_parts(static_cast<size_t>(k), labels);
  const models::RealBatch real{k == 1 ? images : at::cat(image_parts, 1),
                               k == 1 ? labels : at::stack(label_parts, 1)};
  const std::vector<models::RealBatch> reals(static_cast<size_t>(s.n_critic), real);
  models::MetricAccumulator metrics(variant.metric_names(), k);
  auto step = [&](int64_t at) {
    models::StepContext ctx;
    ctx.step = at;
    ctx.noise = &noise;
    ctx.reducer = &reducer;
    ctx.sync_gradients = &no_sync;
    step_updates(variant, ctx, reals, metrics);
    variant.end_step(ctx, metrics);
  };
  step(0);  // two warm-up steps: the first allocates and picks kernels, the second settles
  step(1);
  synchronize(device);
  const auto start = Clock::now();
  int64_t steps = 0;
  double elapsed = 0;
  do {
    step(1 + ++steps);
    if (steps % 2 == 0 || steps == 1) synchronize(device);
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (steps < 2 || elapsed < seconds);
  synchronize(device);
  elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(k * steps) / elapsed;
}

}  // namespace

std::string PackProbe::describe() const {
  std::string rates_text;
  for (const auto& [k_measured, rate] : rates)
    rates_text += fmt::format("{}K{} {:.0f}", rates_text.empty() ? "" : ", ", k_measured, rate);
  return fmt::format("K {} (memory: {}; member-steps/s: {})", k, memory_limit, rates_text);
}

int64_t choose_pack_size(const std::vector<std::pair<int64_t, double>>& rates, double min_gain) {
  if (rates.empty()) return 1;
  for (size_t i = 0; i + 1 < rates.size(); ++i)
    if (rates[i + 1].second < rates[i].second * (1.0 + min_gain)) return rates[i].first;
  return rates.back().first;
}

PackProbe probe_pack_size(const RunSettings& s, data::BatchSource& source, torch::Device device,
                          const models::BatchSlice& slice, int64_t wanted, double seconds_per_k) {
  const DataShape shape{source.channels(), source.height(), source.width(),
                        data_shape(s.dataset).classes};
  PackProbe probe;
  const int64_t free = free_bytes(device);
  const auto index = device.is_cuda() ? device.index() : c10::DeviceIndex(0);
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(index);
  const int64_t base =
      device.is_cuda()
          ? c10::cuda::CUDACachingAllocator::getDeviceStats(index).allocated_bytes[0].current
          : 0;
  for (int64_t k = 1; k <= wanted; k *= 2) {
    auto pack = probe_pack(s, shape, device, k);
    const double rate = measure_rate(*pack.packed, s, source, device, slice, k, seconds_per_k);
    if (k == 1) {
      // One member's footprint: its peak on CUDA (nets, optimiser state, activations, the member
      // copy a pack keeps for evaluation); on the CPU its state x 6 (the member copy, the packed
      // weights, gradients, two moments, and as much again for activations).
      const int64_t member =
          device.is_cuda()
              ? c10::cuda::CUDACachingAllocator::getDeviceStats(index).allocated_bytes[0].peak -
                    base
              : 6 * state_bytes(*pack.packed);
      probe.memory_limit = std::max<int64_t>(
          1, static_cast<int64_t>(0.8 * static_cast<double>(free) / std::max<int64_t>(member, 1)));
    }
    probe.rates.emplace_back(k, rate);
    if (choose_pack_size(probe.rates) != k) break;  // doubling gained too little
    if (k * 2 > probe.memory_limit) break;
  }
  probe.k = std::min(choose_pack_size(probe.rates), wanted);
  return probe;
}

}  // namespace ganrun
