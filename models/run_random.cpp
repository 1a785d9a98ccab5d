// models/run_random.cpp — keyed generators (see header).
#include "models/run_random.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/normal.h>        // at::normal

namespace ganrun::models {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t mix_key(uint64_t seed, uint64_t step, Purpose purpose, uint64_t sub) {
  uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ step);
  h = splitmix64(h ^ static_cast<uint64_t>(purpose));
  return splitmix64(h ^ sub);
}

torch::Generator keyed_generator(uint64_t seed, uint64_t step, Purpose purpose, uint64_t sub) {
  return at::make_generator<at::CPUGeneratorImpl>(mix_key(seed, step, purpose, sub));
}

torch::Tensor normal_noise(int64_t rows, int64_t cols, uint64_t seed, uint64_t step,
                           Purpose purpose, uint64_t sub, const torch::TensorOptions& options) {
  auto gen = keyed_generator(seed, step, purpose, sub);
  auto z = at::normal(0.0, 1.0, {rows, cols}, gen, torch::TensorOptions().dtype(torch::kFloat64));
  return z.to(options);
}

}  // namespace ganrun::models
