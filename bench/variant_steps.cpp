// bench/variant_steps.cpp — steps/s of one variant x architecture driven by ganrun's own step
// loop (runner/train_loop.h), the figure compared with bench/reference_steps.py's plain PyTorch
// eager loop by run_variant_bench.sh. Not a test; figures go to bench/RESULTS.md.
//
//   ganrun_bench_variant --variant gan --arch mlp [--batch 64] [--threads 1] [--n-critic 1]
//                        [--seconds 4] [--repeats 5] [--z-dim N] [--optimizer adam|rmsprop]
//                        [--device cpu|cuda] [--pack K] [--graphs 0|1]
//
// --pack K: K grid points (seeds 0..K-1, an lr grid of K points from 1e-4 up by sqrt(2) each)
// trained as one packed model (runner/packed_loop.h); steps/s is the pack's, images_per_s
// counts run-images (K x batch per step), so it compares with K runs trained one by one.
//
// Real batches come from an in-memory BatchSource of synthetic uint8 1x28x28 images with labels
// uniform over 10 classes, or for `toy` from the toy source of toy-ring8 points. The observer does
// nothing, so what is timed is the loop itself: batches, keyed noise, the variant's two steps,
// metrics summed per step and read every chunk. Timing: one warm-up call that also sizes the
// chunks, then one loop call of 1 + repeats chunks (log_every = the chunk), the first chunk
// discarded; steps/s is the median over the chunks, each timed from one on_metrics to the next.
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/Parallel.h>          // at::set_num_threads, at::get_num_threads
#include <ATen/core/Generator.h>
#include <fmt/core.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "data/dataset.h"
#include "data/toy_sets.h"
#include "models/variant.h"
#include "runner/packed_loop.h"
#include "runner/run_settings.h"
#include "runner/train_loop.h"

namespace {

using namespace ganrun;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDatasetBatches = 32;   // synthetic set: 32 batches, so epochs turn over
constexpr int64_t kClasses = 10;          // labels for the conditional variants
constexpr uint64_t kDataSeed = 20261126;  // the synthetic set's own generator (not the run's)
constexpr double kWarmupSeconds = 0.5;    // warm-up lasts at least this long ...
constexpr int64_t kWarmupSteps = 3;       // ... and at least this many steps
constexpr int64_t kMinChunkSteps = 2;     // a timed chunk is never shorter than this

struct BenchOptions {
  std::string variant = "gan";
  std::string arch = "mlp";
  std::string optimizer = "adam";
  std::string device = "cpu";  // cpu | cuda (the data set, noise and nets live there)
  int64_t batch = 64;
  int64_t threads = 1;
  int64_t n_critic = 1;
  int64_t z_dim = 0;  // 0 = the arch's usual value (see default_z_dim)
  double seconds = 4.0;
  int64_t repeats = 5;
  int64_t pack = 1;     // grid points trained as one packed model (1: one run, unpacked)
  bool graphs = false;  // each step captured as a CUDA graph (runner/step_graph.h)
};

// The z_dim each family is run with: the 2-D studies' 2, the foundation's 100 for the MLPs,
// the collection's 62 for its conv nets.
int64_t default_z_dim(const std::string& arch) {
  if (arch == "toy") return 2;
  if (arch == "dcgan28" || arch == "ae28") return 62;
  return 100;
}

BenchOptions parse_options(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc)
      throw std::invalid_argument("expected --flag value, got '" + key + "'");
    flags[key.substr(2)] = argv[i + 1];
  }
  BenchOptions o;
  for (const auto& [key, value] : flags) {
    if (key == "variant")
      o.variant = value;
    else if (key == "arch")
      o.arch = value;
    else if (key == "optimizer")
      o.optimizer = value;
    else if (key == "device")
      o.device = value;
    else if (key == "batch")
      o.batch = std::stoll(value);
    else if (key == "threads")
      o.threads = std::stoll(value);
    else if (key == "n-critic")
      o.n_critic = std::stoll(value);
    else if (key == "z-dim")
      o.z_dim = std::stoll(value);
    else if (key == "seconds")
      o.seconds = std::stod(value);
    else if (key == "repeats")
      o.repeats = std::stoll(value);
    else if (key == "pack")
      o.pack = std::stoll(value);
    else if (key == "graphs")
      o.graphs = value == "1";
    else
      throw std::invalid_argument("unknown flag --" + key);
  }
  if (o.z_dim == 0) o.z_dim = default_z_dim(o.arch);
  if (o.device != "cpu" && o.device != "cuda")
    throw std::invalid_argument("--device must be cpu or cuda (got '" + o.device + "')");
  if (o.device == "cuda" && !torch::cuda::is_available())
    throw std::invalid_argument("--device cuda: no CUDA device visible");
  return o;
}

// The data of the arch: toy-ring8 points for `toy` (the loop hands them over as [k, 2]), else
// synthetic uint8 1x28x28 images that the loop scales to [-1, 1] as it does real data.
torch::Device bench_device(const BenchOptions& o) {
  return o.device == "cuda" ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

std::unique_ptr<data::BatchSource> synthetic_source(const BenchOptions& o) {
  const int64_t n = o.batch * o.n_critic * kDatasetBatches;
  if (o.arch == "toy")
    return data::make_toy_source(data::make_toy_set("toy-ring8", n, kDataSeed), bench_device(o));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(kDataSeed);
  data::Dataset d;
  d.name = "synthetic";
  d.split = "train";
  d.images = at::randint(256, {n, 1, 28, 28}, gen, torch::TensorOptions().dtype(torch::kUInt8));
  d.labels = at::randint(kClasses, {n}, gen, torch::TensorOptions().dtype(torch::kInt64));
  return data::make_in_memory_source(std::move(d), bench_device(o));
}

models::VariantConfig variant_config(const BenchOptions& o, const data::BatchSource& source) {
  models::VariantConfig vc;
  vc.variant = o.variant;
  vc.arch = o.arch;
  vc.z_dim = o.z_dim;
  vc.channels = source.channels();
  vc.height = source.height();
  vc.width = source.width();
  vc.classes = kClasses;
  vc.opt_g.kind = vc.opt_d.kind = o.optimizer;
  vc.dtype = torch::kFloat32;
  vc.device = bench_device(o);
  return vc;
}

// Records when each log point is reached; reads nothing else.
class ChunkClock final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override { marks.push_back(Clock::now()); }
  void on_samples(int64_t, const torch::Tensor&) override {}
  void on_points(int64_t, const ToyEval&) override {}
  std::vector<Clock::time_point> marks;
};

struct Timing {
  double median_steps_per_s = 0, min_steps_per_s = 0, max_steps_per_s = 0;
  int64_t chunk_steps = 0;
};

// Member k of a bench pack: seed k, lr 1e-4 * sqrt(2)^k (an lr grid's spread).
double member_lr(int64_t k) { return 1e-4 * std::pow(std::sqrt(2.0), static_cast<double>(k)); }

// The one packed model, or the one run: what measure() drives.
struct Trained {
  std::unique_ptr<models::Variant> alone;
  models::PackedVariant pack;
};

Trained build(const BenchOptions& o, const data::BatchSource& source) {
  Trained t;
  if (o.pack == 1) {
    t.alone = models::make_variant(variant_config(o, source));
    return t;
  }
  std::vector<models::VariantConfig> members;
  for (int64_t k = 0; k < o.pack; ++k) {
    auto vc = variant_config(o, source);
    vc.seed = static_cast<uint64_t>(k);
    vc.opt_g.lr = vc.opt_d.lr = member_lr(k);
    members.push_back(vc);
  }
  t.pack = models::make_packed_variant(members);
  return t;
}

Timing measure(Trained& trained, data::BatchSource& source, const BenchOptions& o) {
  RunSettings s;
  s.variant = o.variant;
  s.arch = o.arch;
  s.batch = o.batch;
  s.n_critic = o.n_critic;
  s.z_dim = o.z_dim;
  s.dtype = "float32";
  s.sample_every = 0;  // a grid (toy: an evaluation point) only after the last step, after the
                       // last log point: outside every timed interval
  std::vector<RunSettings> member_settings(static_cast<size_t>(o.pack), s);
  auto run = [&](int64_t steps, ChunkClock& clock) {
    for (int64_t k = 0; k < o.pack; ++k) {
      member_settings[k] = s;
      member_settings[k].seed = k;
    }
    std::vector<LoopSetup> setups;
    std::vector<ChunkClock> quiet(static_cast<size_t>(o.pack));
    std::vector<LoopObserver*> observers;
    for (int64_t k = 0; k < o.pack; ++k) {
      LoopSetup l = single_process_setup(member_settings[k], "bench", steps, bench_device(o));
      l.eval_at_end = true;  // toy runs: one evaluation point, at the end
      l.graphs = o.graphs ? GraphMode::kCuda : GraphMode::kOff;
      setups.push_back(l);
      observers.push_back(k == 0 ? static_cast<LoopObserver*>(&clock) : &quiet[k]);
    }
    if (trained.alone)
      train_loop(*trained.alone, source, setups.front(), clock);
    else
      train_packed_loop(trained.pack, source, setups, observers, nullptr);
  };

  // Warm-up (allocator, first-call dispatch), doubling until it lasts long enough to size the
  // chunks from its mean step time (start to its one log point).
  int64_t warm_steps = kWarmupSteps;
  double step_s = 0;
  for (double elapsed = 0; elapsed < kWarmupSeconds; warm_steps *= 2) {
    s.log_every = warm_steps;
    ChunkClock warm;
    const auto t0 = Clock::now();
    run(warm_steps, warm);
    elapsed = std::chrono::duration<double>(warm.marks.back() - t0).count();
    step_s = elapsed / static_cast<double>(warm_steps);
  }

  Timing t;
  const double chunk_s = o.seconds / static_cast<double>(o.repeats);
  t.chunk_steps = std::max<int64_t>(kMinChunkSteps, std::llround(chunk_s / step_s));
  s.log_every = t.chunk_steps;
  ChunkClock clock;
  run((1 + o.repeats) * t.chunk_steps, clock);
  std::vector<double> rates;
  for (size_t i = 1; i < clock.marks.size(); ++i) {
    const double dt = std::chrono::duration<double>(clock.marks[i] - clock.marks[i - 1]).count();
    rates.push_back(static_cast<double>(t.chunk_steps) / dt);
  }
  std::sort(rates.begin(), rates.end());
  t.median_steps_per_s = rates.size() % 2 == 1
                             ? rates[rates.size() / 2]
                             : 0.5 * (rates[rates.size() / 2 - 1] + rates[rates.size() / 2]);
  t.min_steps_per_s = rates.front();
  t.max_steps_per_s = rates.back();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const BenchOptions o = parse_options(argc, argv);
    at::set_num_threads(static_cast<int>(o.threads));
    auto source = synthetic_source(o);
    Trained trained = build(o, *source);
    const Timing t = measure(trained, *source, o);
    // One machine-readable line (run_variant_bench.sh parses it); the python reference prints
    // the same keys.
    fmt::print(
        "impl=ganrun variant={} arch={} batch={} n_critic={} z_dim={} threads={} device={} "
        "graph={} pack={} steps_per_s={:.2f} min={:.2f} max={:.2f} images_per_s={:.0f} "
        "chunk_steps={} repeats={}\n",
        o.variant, o.arch, o.batch, o.n_critic, o.z_dim, at::get_num_threads(), o.device,
        o.graphs ? 1 : 0, o.pack, t.median_steps_per_s, t.min_steps_per_s, t.max_steps_per_s,
        t.median_steps_per_s * static_cast<double>(o.batch * o.pack), t.chunk_steps, o.repeats);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ganrun_bench_variant: {}\n", e.what());
    return 2;
  }
}
