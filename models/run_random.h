// models/run_random.h — a run's own random generators, keyed by (seed, step, purpose).
// Never the global default generator: a draw depends only on the run's seed, the step and what
// it is for, so two runs sharing a process, a resumed run, and a run split over k ranks (each
// slicing the same global draw) all see the same numbers.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace ganrun::models {

// What a draw is for; part of the generator's key. Values are stable (they change results).
enum class Purpose : uint64_t {
  kNoise = 1,          // z for the critic and generator updates
  kFixedNoise = 2,     // the fixed sample-grid noise (step 0 only)
  kInit = 3,           // parameter initialisation
  kInterpolation = 4,  // penalty interpolation factors (later variants)
  kLatentCode = 5,     // InfoGAN codes (later)
  kUser = 6,           // `ganrun sample --seed`
  kDropout = 7,        // dropout masks of a net that has Dropout (mlp-deep's critic)
  kEval = 8,           // the evaluation samples' noise (step 0: the same at every point)
  kReference = 9,      // a reference classifier's data split, order and augmentation
};

// SplitMix64-based mixing of (seed, step, purpose, sub) into one 64-bit generator seed.
uint64_t mix_key(uint64_t seed, uint64_t step, Purpose purpose, uint64_t sub = 0);

// A CPU generator for that key. Draws are made on the CPU in float64 and then converted, so
// a float32 run and a float64 run start from the same numbers up to rounding, and the
// numbers do not depend on the device.
torch::Generator keyed_generator(uint64_t seed, uint64_t step, Purpose purpose, uint64_t sub = 0);

// Standard normal noise [rows, cols] for the key, as `options` (dtype, device).
torch::Tensor normal_noise(int64_t rows, int64_t cols, uint64_t seed, uint64_t step,
                           Purpose purpose, uint64_t sub, const torch::TensorOptions& options);

}  // namespace ganrun::models
