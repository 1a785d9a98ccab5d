// tests/gpu/cuda_training_test.cpp — ganrun's step loop on CUDA (label gpu; every case skips
// without a device):
// - the same run in float64 on CUDA and on the CPU ends with the same networks and metrics
//   (‖θ_cuda − θ_cpu‖ / ‖θ_cpu‖ <= 1e-8 over every network; each metric within the same bound),
//   for gan on mlp, wgan-gp on dcgan28 and began on ae28 as configured, 20 steps: noise and
//   batch order come from the same keyed CPU generators on both devices, so only the kernels'
//   rounding differs;
// - every variant on every architecture it accepts trains 20 steps on CUDA in float32 in this
//   one process with finite losses (the time it took is printed: the budget is 60 s);
// - CUDA graphs (runner/step_graph.h): per variant family, 100 steps captured and replayed end
//   with the same networks and metrics as 100 eager steps with the same optimisers, within 1e-5
//   relative in float32, and the capture happened (no fall-back notice); a pack too. These run
//   with cuDNN's deterministic algorithms: its default float32 convolution backward sums with
//   atomics, so two eager runs of a conv net drift apart by percents over 100 GAN steps (seen on
//   an H200: 0.7-4.5% for every dcgan28/ae28 case, 0 for every mlp case), which would hide any
//   difference the graphs make. Two eager runs must therefore be identical first.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "runner/packed_loop.h"
#include "tests/gpu/gpu_test_support.h"

namespace ganrun::gpu_test {
namespace {

constexpr double kRelativeBound = 1e-8;
constexpr int64_t kSteps = 20;

// sqrt(Σ‖a − b‖²) / sqrt(Σ‖b‖²) over every parameter and buffer of every network, in float64
// on the CPU.
double relative_distance(models::Variant& a, models::Variant& b) {
  auto nets_a = a.networks();
  auto nets_b = b.networks();
  EXPECT_EQ(nets_a.size(), nets_b.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < nets_a.size() && i < nets_b.size(); ++i) {
    const auto pa = nets_a[i]->named_parameters(/*recurse=*/true);
    const auto pb = nets_b[i]->named_parameters(/*recurse=*/true);
    EXPECT_EQ(pa.size(), pb.size());
    for (const auto& item : pb) {
      const torch::Tensor x = pa[item.key()].detach().to(torch::kCPU, torch::kFloat64);
      const torch::Tensor y = item.value().detach().to(torch::kCPU, torch::kFloat64);
      diff += (x - y).pow(2).sum().item<double>();
      norm += y.pow(2).sum().item<double>();
    }
  }
  return std::sqrt(diff) / std::sqrt(norm);
}

using Case = std::tuple<std::string, std::string>;  // variant, arch

class CudaMatchesCpuGpu : public testing::TestWithParam<Case> {};

TEST_P(CudaMatchesCpuGpu, Float64RunEndsWithTheSameNetworksAndMetrics) {
  GANRUN_REQUIRE_CUDA();
  const auto& [variant, arch] = GetParam();
  RunSettings s;  // the defaults a run gets: each variant as configured
  s.variant = variant;
  s.arch = arch;
  s.dtype = "float64";
  s.batch = 16;
  s.seed = 7;
  LoopRun cpu = run_loop(s, torch::kCPU, kSteps, /*log_every=*/1);
  LoopRun cuda = run_loop(s, torch::Device(torch::kCUDA, 0), kSteps, /*log_every=*/1);
  ASSERT_FALSE(cpu.result.diverged) << cpu.result.message;
  ASSERT_FALSE(cuda.result.diverged) << cuda.result.message;

  const double theta = relative_distance(*cuda.variant, *cpu.variant);
  EXPECT_LE(theta, kRelativeBound) << "‖θ_cuda − θ_cpu‖/‖θ_cpu‖ after " << kSteps << " steps";
  fmt::print("{} on {}: ‖θ_cuda − θ_cpu‖/‖θ_cpu‖ = {:.3g}\n", variant, arch, theta);

  const auto& names = cpu.variant->metric_names();
  ASSERT_EQ(cpu.log.rows.size(), static_cast<size_t>(kSteps));
  ASSERT_EQ(cuda.log.rows.size(), cpu.log.rows.size());
  for (size_t m = 0; m < names.size(); ++m) {
    double worst = 0;
    for (size_t step = 0; step < cpu.log.rows.size(); ++step) {
      const double want = cpu.log.rows[step][m], got = cuda.log.rows[step][m];
      if (std::isnan(want) && std::isnan(got)) continue;  // not recorded that step
      const double err = std::abs(got - want) / std::max(std::abs(want), 1e-12);
      worst = std::max(worst, err);
      EXPECT_LE(err, kRelativeBound)
          << names[m] << " at step " << step << ": cpu " << want << ", cuda " << got;
    }
    fmt::print("  {:<16} worst relative difference {:.3g}\n", names[m], worst);
  }
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(AsConfigured, CudaMatchesCpuGpu,
                         testing::Values(Case{"gan", "mlp"}, Case{"wgan-gp", "dcgan28"},
                                         Case{"began", "ae28"}),
                         case_name);

TEST(CudaVariantMatrixGpu, EveryPairTrainsTwentyStepsWithFiniteLosses) {
  GANRUN_REQUIRE_CUDA();
  const torch::Device cuda(torch::kCUDA, 0);
  const auto start = std::chrono::steady_clock::now();
  int pairs = 0;
  for (const auto& variant : models::variant_names()) {
    for (const auto& arch : models::accepted_archs(variant)) {
      RunSettings s;
      s.variant = variant;
      s.arch = arch;
      if (arch == "toy") s.dataset = "toy-ring8";
      if (arch == "dcgan32" || arch == "ae32") s.dataset = "cifar10";
      s.batch = 64;
      LoopRun run = run_loop(s, cuda, kSteps, /*log_every=*/kSteps);
      const std::string pair = variant + " on " + arch;
      ASSERT_FALSE(run.result.diverged) << pair << ": " << run.result.message;
      ASSERT_EQ(run.log.rows.size(), 1u) << pair;
      EXPECT_TRUE(std::isfinite(run.log.rows[0][0])) << pair << ": d_loss";
      EXPECT_TRUE(std::isfinite(run.log.rows[0][1])) << pair << ": g_loss";
      ++pairs;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(
      "{} variant x architecture pairs, {} steps each on CUDA (float32): {:.1f} s "
      "(budget 60 s)\n",
      pairs, kSteps, seconds);
  EXPECT_GE(pairs, 40);
}

// ---- CUDA graphs ------------------------------------------------------------------------------

constexpr int64_t kGraphSteps = 100;
constexpr double kGraphBound = 1e-5;

// cuDNN's deterministic algorithms (no autotuning) while it lives; the previous settings after.
class DeterministicCudnn {
 public:
  DeterministicCudnn()
      : deterministic_(at::globalContext().deterministicCuDNN()),
        benchmark_(at::globalContext().benchmarkCuDNN()) {
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
  }
  ~DeterministicCudnn() {
    at::globalContext().setDeterministicCuDNN(deterministic_);
    at::globalContext().setBenchmarkCuDNN(benchmark_);
  }
  DeterministicCudnn(const DeterministicCudnn&) = delete;
  DeterministicCudnn& operator=(const DeterministicCudnn&) = delete;

 private:
  bool deterministic_, benchmark_;
};

// The worst relative difference of two runs' metric rows (NaN where not recorded).
double worst_row_difference(const std::vector<std::vector<double>>& a,
                            const std::vector<std::vector<double>>& b) {
  double worst = 0;
  EXPECT_EQ(a.size(), b.size());
  for (size_t r = 0; r < a.size() && r < b.size(); ++r)
    for (size_t m = 0; m < a[r].size(); ++m) {
      if (std::isnan(a[r][m]) && std::isnan(b[r][m])) continue;
      worst = std::max(worst, std::abs(a[r][m] - b[r][m]) / std::max(std::abs(b[r][m]), 1e-6));
    }
  return worst;
}

class CudaGraphMatchesEagerGpu : public testing::TestWithParam<Case> {};

TEST_P(CudaGraphMatchesEagerGpu, HundredReplayedStepsEqualEagerSteps) {
  GANRUN_REQUIRE_CUDA();
  const auto& [variant, arch] = GetParam();
  const torch::Device cuda(torch::kCUDA, 0);
  RunSettings s;
  s.variant = variant;
  s.arch = arch;
  s.batch = 64;
  s.seed = 3;
  std::vector<std::string> notices;
  auto run = [&](GraphMode mode) {
    LoopRun r = prepare_loop(s, cuda, kGraphSteps, /*log_every=*/10);
    r.variant->use_capturable_optimizers();  // the eager run too: the same optimiser
    r.setup.graphs = mode;
    r.setup.notice = [&](const std::string& n) { notices.push_back(n); };
    run_prepared(r);
    return r;
  };
  const DeterministicCudnn deterministic;
  LoopRun eager = run(GraphMode::kOff);
  LoopRun eager_again = run(GraphMode::kOff);
  ASSERT_EQ(relative_distance(*eager_again.variant, *eager.variant), 0.0)
      << "two eager runs differ: a nondeterministic kernel, which the graph comparison cannot "
         "tell from a graph error";
  const auto t0 = std::chrono::steady_clock::now();
  LoopRun graphed = run(GraphMode::kCuda);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(notices.empty()) << notices.front();
  ASSERT_FALSE(eager.result.diverged) << eager.result.message;
  ASSERT_EQ(graphed.result.diverged, eager.result.diverged) << graphed.result.message;
  const double theta = relative_distance(*graphed.variant, *eager.variant);
  const double rows = worst_row_difference(graphed.log.rows, eager.log.rows);
  EXPECT_LE(theta, kGraphBound);
  EXPECT_LE(rows, kGraphBound);
  fmt::print(
      "{} on {}: graph vs eager ‖Δθ‖/‖θ‖ = {:.3g}, metrics {:.3g}; {} graphed steps {:.2f} s\n",
      variant, arch, theta, rows, kGraphSteps, seconds);
}

INSTANTIATE_TEST_SUITE_P(Families, CudaGraphMatchesEagerGpu,
                         testing::Values(Case{"gan", "mlp"}, Case{"lsgan", "dcgan28"},
                                         Case{"wgan", "mlp"}, Case{"wgan-gp", "dcgan28"},
                                         Case{"dragan", "mlp"}, Case{"cgan", "mlp"},
                                         Case{"acgan", "dcgan28"}, Case{"infogan", "mlp"},
                                         Case{"ebgan", "ae28"}, Case{"began", "ae28"}),
                         case_name);

TEST(CudaGraphPackGpu, APackReplayedEqualsItsEagerSteps) {
  GANRUN_REQUIRE_CUDA();
  const torch::Device cuda(torch::kCUDA, 0);
  std::vector<RunSettings> members(4);
  for (size_t k = 0; k < members.size(); ++k) {
    members[k].variant = "wgan-gp";
    members[k].arch = "dcgan28";
    members[k].batch = 64;
    members[k].seed = static_cast<int64_t>(k);
    members[k].lr_g = members[k].lr_d = 1e-4 * static_cast<double>(k + 1);
    members[k].log_every = 10;
    members[k].sample_every = 0;
  }
  auto source = synthetic_source("dcgan28", 64 * 4, cuda);
  std::vector<std::string> notices;
  auto run = [&](GraphMode mode, std::vector<MetricLog>& logs) {
    std::vector<models::VariantConfig> configs;
    for (const auto& m : members)
      configs.push_back(make_variant_config(m, shape_for("dcgan28"), cuda));
    auto pack = models::make_packed_variant(configs);
    std::vector<LoopSetup> setups;
    std::vector<LoopObserver*> observers;
    logs.resize(members.size());
    for (size_t k = 0; k < members.size(); ++k) {
      setups.push_back(single_process_setup(members[k], "pack", kGraphSteps, cuda));
      setups.back().graphs = mode;
      setups.back().notice = [&](const std::string& n) { notices.push_back(n); };
      observers.push_back(&logs[k]);
    }
    train_packed_loop(pack, *source, setups, observers, nullptr);
    return pack;
  };
  const DeterministicCudnn deterministic;
  std::vector<MetricLog> eager_logs, again_logs, graph_logs;
  auto eager = run(GraphMode::kOff, eager_logs);
  auto eager_again = run(GraphMode::kOff, again_logs);
  ASSERT_EQ(relative_distance(*eager_again.packed, *eager.packed), 0.0)
      << "two eager runs of the pack differ: a nondeterministic kernel";
  auto graphed = run(GraphMode::kCuda, graph_logs);
  EXPECT_TRUE(notices.empty()) << notices.front();
  EXPECT_LE(relative_distance(*graphed.packed, *eager.packed), kGraphBound);
  for (size_t k = 0; k < members.size(); ++k)
    EXPECT_LE(worst_row_difference(graph_logs[k].rows, eager_logs[k].rows), kGraphBound) << k;
}

}  // namespace
}  // namespace ganrun::gpu_test
