// bench/data_parallel.cpp — data-parallel step time vs ranks, with the gradient all-reduce
// time separated out. Run under `mpirun -n K` (K = 1, 2, ...); every rank trains the same run
// (gan on mlp-small, synthetic 28x28 data, global batch B) through ganrun's own step loop and
// DataParallel set-up, and rank 0 prints ms per step, ms of all-reduce per step (host time in
// the collectives: on CPU the all-reduce itself), the compute share, and the speed-up over
// the single-rank figure passed with --baseline-ms.
//   mpirun -n 2 build/bench/ganrun_bench_data_parallel --steps 200 --batch 256 --baseline-ms X
#include "runner/data_parallel.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "data/batch_source.h"
#include "launch/mpi_session.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace {

using namespace ganrun;

class NullObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

data::Dataset synthetic_set(int64_t n) {
  data::Dataset d;
  d.name = "synthetic";
  d.split = "train";
  const auto i = torch::arange(n, torch::kInt64).view({n, 1, 1, 1});
  const auto p = torch::arange(28 * 28, torch::kInt64).view({1, 1, 28, 28});
  d.images = ((i * 37 + p * 11) % 256).to(torch::kUInt8);
  d.labels = torch::arange(n, torch::kInt64) % 10;
  return d;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  launch::MpiSession mpi(&argc, &argv);
  at::set_num_threads(1);  // one core per rank: the comparison is ranks, not threads
  RunSettings s;
  s.variant = "gan";
  s.arch = arg(argc, argv, "arch", "mlp-small");
  s.batch = std::stoll(arg(argc, argv, "batch", "256"));
  s.steps = std::stoll(arg(argc, argv, "steps", "200"));
  s.epochs = 0;
  s.log_every = s.steps;
  s.sample_every = 0;
  const double baseline_ms = std::atof(arg(argc, argv, "baseline-ms", "0").c_str());
  const int64_t warmup = 10;

  auto source = data::make_in_memory_source(synthetic_set(4096), torch::kCPU);
  const launch::ProcessGroup world{MPI_COMM_WORLD, mpi.rank(), mpi.size(), 0};
  const auto vc = make_variant_config(s, DataShape{1, 28, 28, 10}, torch::kCPU);
  auto variant = models::make_variant(vc);
  DataParallel parallel(world, torch::kCPU, s.batch);
  parallel.broadcast_from_root(*variant);
  NullObserver observer;

  RunSettings warm = s;
  warm.steps = warmup;
  warm.log_every = warmup;
  train_loop(*variant, *source, parallel.loop_setup(warm, "warmup", warmup, torch::kCPU), observer);
  parallel.allreducer().reset_counters();
  mpi.barrier();
  const auto start = std::chrono::steady_clock::now();
  train_loop(*variant, *source, parallel.loop_setup(s, "bench", s.steps, torch::kCPU), observer);
  mpi.barrier();
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double step_ms = 1e3 * total_s / s.steps;
  const double reduce_ms = 1e3 * parallel.allreducer().seconds() / s.steps;
  const double collectives = static_cast<double>(parallel.allreducer().collectives()) / s.steps;
  if (mpi.is_root()) {
    fmt::print(
        "ranks {} | {} batch {} ({} per rank) | {} steps | {:.2f} ms/step | all-reduce "
        "{:.3f} ms/step ({:.1f}%, {:.0f} collectives/step) | compute {:.2f} ms/step",
        mpi.size(), s.arch, s.batch, s.batch / mpi.size(), s.steps, step_ms, reduce_ms,
        100.0 * reduce_ms / step_ms, collectives, step_ms - reduce_ms);
    if (baseline_ms > 0)
      fmt::print(" | speed-up {:.2f}x (efficiency {:.0f}%)", baseline_ms / step_ms,
                 100.0 * baseline_ms / step_ms / mpi.size());
    fmt::print("\n");
  }
  return 0;
}
