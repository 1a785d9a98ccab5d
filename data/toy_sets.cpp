// data/toy_sets.cpp — the generated 2-D toy sets: Gaussian mixtures (ring8, grid25), moons and
// the swiss roll drawn from a generator keyed by the seed. Points are float64 [N, 2] on the
// CPU. Point files (toy-file): toy_file.cpp.
#include "data/toy_sets.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>

#include <cmath>
#include <numbers>  // std::numbers::pi
#include <vector>

#include "data/data_error.h"
#include "data/dataset_catalog.h"  // dataset_names: which toy sets are generated
#include "data/sample_order.h"     // splitmix64

namespace ganrun::data {
namespace {

using std::numbers::pi;

// Separates toy-data draws from the run's other keyed draws (models/run_random.h purposes,
// data/sample_order.h's 0x0D47A0). A contract: changing it changes every toy data set.
constexpr uint64_t kToyDataPurpose = 0x70F5E7;

constexpr double kRing8Radius = 2.0;
constexpr int64_t kRing8Modes = 8;
constexpr double kRing8Sigma = 0.02;
constexpr int64_t kGrid25Side = 5;      // centres {-4, -2, 0, 2, 4} on each axis
constexpr double kGrid25Spacing = 2.0;  // distance between neighbouring centres
constexpr double kGrid25Sigma = 0.05;
constexpr double kMoonsNoise = 0.05;
constexpr double kSwissRollNoise = 0.05;
constexpr double kSwissRollScale = 5.0;  // (t cos t, t sin t) / 5 spans about [-2.8, 2.8]

torch::TensorOptions f64() { return torch::TensorOptions().dtype(torch::kFloat64); }

at::Generator toy_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(splitmix64(splitmix64(seed) ^ kToyDataPurpose));
}

torch::Tensor ring8_centres() {
  torch::Tensor c = torch::empty({kRing8Modes, 2}, f64());
  auto a = c.accessor<double, 2>();
  for (int64_t k = 0; k < kRing8Modes; ++k) {
    const double angle = 2.0 * pi * static_cast<double>(k) / kRing8Modes;
    a[k][0] = kRing8Radius * std::cos(angle);
    a[k][1] = kRing8Radius * std::sin(angle);
  }
  return c;
}

// Mode k = 5 * i + j sits at (x_i, y_j), x and y running -4, -2, 0, 2, 4.
torch::Tensor grid25_centres() {
  torch::Tensor c = torch::empty({kGrid25Side * kGrid25Side, 2}, f64());
  auto a = c.accessor<double, 2>();
  const double first = -kGrid25Spacing * (kGrid25Side - 1) / 2.0;
  for (int64_t i = 0; i < kGrid25Side; ++i) {
    for (int64_t j = 0; j < kGrid25Side; ++j) {
      a[i * kGrid25Side + j][0] = first + kGrid25Spacing * static_cast<double>(i);
      a[i * kGrid25Side + j][1] = first + kGrid25Spacing * static_cast<double>(j);
    }
  }
  return c;
}

// Draw order (part of the contract): the mode of every point, then the N(0, 1) noise [N, 2].
torch::Tensor mixture(const torch::Tensor& centres, double sigma, int64_t n, at::Generator& gen) {
  const torch::Tensor modes = at::randint(centres.size(0), {n}, gen, torch::kInt64);
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  return centres.index_select(0, modes) + sigma * noise;
}

// Like sklearn's make_moons, but every point i.i.d.: the moon uniform, t ~ U[0, pi], then the
// N(0, 1) noise [N, 2] (in that draw order). Outer moon (cos t, sin t) around (0, 0); inner
// (1 - cos t, 0.5 - sin t) around (1, 0.5).
torch::Tensor moons(int64_t n, at::Generator& gen) {
  const torch::Tensor moon = at::randint(2, {n}, gen, torch::kInt64);
  const torch::Tensor t = at::rand({n}, gen, f64()) * pi;
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  const torch::Tensor outer = torch::stack({t.cos(), t.sin()}, 1);
  const torch::Tensor inner = torch::stack({1.0 - t.cos(), 0.5 - t.sin()}, 1);
  return torch::where(moon.eq(1).unsqueeze(1), inner, outer) + kMoonsNoise * noise;
}

// sklearn's make_swiss_roll projected on its (x, z) plane and scaled by 1/5: t ~ U[1.5 pi,
// 4.5 pi], then N(0, 1) noise [N, 2] times 0.05 added after the scaling (so the noise is 0.05
// in the units of the points).
torch::Tensor swiss_roll(int64_t n, at::Generator& gen) {
  const torch::Tensor t = 1.5 * pi * (1.0 + 2.0 * at::rand({n}, gen, f64()));
  const torch::Tensor noise = at::normal(0.0, 1.0, {n, 2}, gen, f64());
  return torch::stack({t * t.cos(), t * t.sin()}, 1) / kSwissRollScale + kSwissRollNoise * noise;
}

}  // namespace

const std::vector<std::string>& toy_set_names() {
  static const std::vector<std::string> names = dataset_names(DatasetKind::kToyGenerated);
  return names;
}

ToySet make_toy_set(const std::string& name, int64_t n, uint64_t seed) {
  if (n < 1) {
    throw DataError("toy data set '" + name + "': " + std::to_string(n) +
                    " points, expected at least 1");
  }
  at::Generator gen = toy_generator(seed);
  ToySet set;
  set.name = name;
  set.centres = torch::empty({0, 2}, f64());
  if (name == "toy-ring8") {
    set.centres = ring8_centres();
    set.sigma = kRing8Sigma;
    set.points = mixture(set.centres, set.sigma, n, gen);
  } else if (name == "toy-grid25") {
    set.centres = grid25_centres();
    set.sigma = kGrid25Sigma;
    set.points = mixture(set.centres, set.sigma, n, gen);
  } else if (name == "toy-moons") {
    set.points = moons(n, gen);
  } else if (name == "toy-swissroll") {
    set.points = swiss_roll(n, gen);
  } else {
    throw DataError("unknown toy data set '" + name + "' (known: " + join_names(toy_set_names()) +
                    ")");
  }
  return set;
}

}  // namespace ganrun::data
