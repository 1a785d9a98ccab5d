// tests/mpi/data_parallel_test.cpp — under mpiexec -n 2 and 4 (CPU, MPI backend, float64):
// 1. the collectives by hand-worked values: bucketed gradient average, broadcast from the root,
//    the batch-wide reducer;
// 2. equivalence: each run of the table trained 8 steps data-parallel on the whole world ends
//    with the parameters (of every network) of the same run trained by one rank alone (the
//    single-process path, MPI_COMM_SELF), ||theta_k - theta_1|| / ||theta_1|| <= 1e-10, and every
//    rank holds the root's parameters. The architectures have no BatchNorm (its statistics are
//    per rank by design). The single-process references are shared out over the ranks and
//    trained first, side by side; rank 0 prints one line per case.
//   ganrun_data_parallel_test [NAME-PART...]   (only the cases whose name contains one)
// On 1 rank the data-parallel path is not taken (a group of 1 trains as a single process), so
// there is nothing to compare: ctest runs 2 and 4 ranks.
#include "runner/data_parallel.h"

#include <ATen/Parallel.h>  // at::set_num_threads
#include <mpi.h>            // MPI_Bcast, MPI_Allreduce

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "launch/collectives.h"
#include "launch/gradient_allreduce.h"
#include "launch/mpi_check.h"
#include "launch/mpi_session.h"
#include "launch/tensor_broadcast.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace {

using namespace ganrun;

constexpr double kBound = 1e-10;  // the norm-wise bound
// A wrong gradient already shows in the first update (Adam moves each weight by up to lr =
// 2e-4), far above the bound; 8 steps (20 before issue 20) keep the 10 cases x 2 runs cheap.
constexpr int64_t kSteps = 8;
constexpr int64_t kGlobalBatch = 8;  // divides over 2 and 4 ranks

// One row per (variant, arch, settings) the equivalence covers: architectures without
// BatchNorm. ebgan/began are the hard part: their batch-wide terms go through the reducer.
struct Case {
  const char* name;
  const char* variant;
  const char* arch;
  const char* critic_norm;  // "auto" = the architecture's own
  const char* hinge;        // ebgan: sample | batch
};
const std::vector<Case> kCases{
    {"gan mlp-small", "gan", "mlp-small", "auto", "sample"},
    {"wgan-gp mlp-small", "wgan-gp", "mlp-small", "auto", "sample"},
    {"dragan mlp-small", "dragan", "mlp-small", "auto", "sample"},
    {"ebgan ae28 (no BatchNorm)", "ebgan", "ae28", "none", "sample"},
    {"ebgan ae28 batch hinge", "ebgan", "ae28", "none", "batch"},
    {"began ae28 (no BatchNorm)", "began", "ae28", "none", "sample"},
    // Conditional variants: class labels (and InfoGAN's codes) are drawn for the global batch
    // and sliced per rank like the noise; dcgan28 takes the labels as class planes.
    {"cgan mlp-small", "cgan", "mlp-small", "auto", "sample"},
    {"acgan mlp-small", "acgan", "mlp-small", "auto", "sample"},
    {"infogan mlp-small", "infogan", "mlp-small", "auto", "sample"},
    {"cgan dcgan28 (no BatchNorm)", "cgan", "dcgan28", "none", "sample"},
};

struct Checks {
  int failed = 0;
  int rank = 0;
  void expect(bool ok, const std::string& what) {
    if (ok) return;
    ++failed;
    std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what.c_str());
  }
};

// 512 synthetic 28x28 images: a fixed pattern per index, so every rank holds the same set.
data::Dataset synthetic_set() {
  const int64_t n = 512;
  data::Dataset d;
  d.name = "synthetic";
  d.split = "train";
  const auto i = torch::arange(n, torch::kInt64).view({n, 1, 1, 1});
  const auto p = torch::arange(28 * 28, torch::kInt64).view({1, 1, 28, 28});
  d.images = ((i * 37 + p * 11 + (i * p) % 7) % 256).to(torch::kUInt8);
  d.labels = torch::arange(n, torch::kInt64) % 10;
  return d;
}

class NullObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

RunSettings settings_for(const Case& c) {
  RunSettings s;
  s.variant = c.variant;
  s.arch = c.arch;
  s.critic_norm = c.critic_norm;
  // "No BatchNorm" covers the generator too: ae28's is dcgan28's, which has BatchNorm.
  if (std::string(c.critic_norm) == "none") s.g_norm = "none";
  s.hinge = c.hinge;
  s.batch = kGlobalBatch;
  s.steps = kSteps;
  s.epochs = 0;
  s.seed = 5;
  s.z_dim = 16;
  s.dtype = "float64";
  s.log_every = 5;
  s.sample_every = 0;
  return s;
}

// Trains `c` on `group` (size 1: the single-process set-up) and returns every network's
// parameters, flattened in networks() order.
torch::Tensor train(const Case& c, data::BatchSource& source, const launch::ProcessGroup& group) {
  const RunSettings s = settings_for(c);
  const auto vc = make_variant_config(s, DataShape{1, 28, 28, 10}, torch::kCPU);
  auto variant = models::make_variant(vc);
  NullObserver observer;
  std::unique_ptr<DataParallel> parallel;
  LoopSetup setup;
  if (group.size > 1) {
    parallel = std::make_unique<DataParallel>(group, torch::kCPU, s.batch);
    parallel->broadcast_from_root(*variant);
    setup = parallel->loop_setup(s, c.name, kSteps, torch::kCPU);
  } else {
    setup = single_process_setup(s, c.name, kSteps, torch::kCPU);
  }
  const auto result = train_loop(*variant, source, setup, observer);
  if (result.diverged) throw std::runtime_error(std::string(c.name) + " diverged");
  std::vector<torch::Tensor> flat;
  for (const auto& net : variant->networks())
    for (const auto& p : net->parameters()) flat.push_back(p.detach().reshape({-1}));
  return torch::cat(flat).to(torch::kFloat64).contiguous();
}

launch::ProcessGroup world_group(const launch::MpiSession& mpi) {
  return launch::ProcessGroup{MPI_COMM_WORLD, mpi.rank(), mpi.size(), 0};
}

// Hand-worked values for k ranks: rank r holds gradients (r + 1) * [1, 2, ...], whose mean
// over ranks is (k + 1) / 2 * [1, 2, ...]; 3 tensors of 10 doubles (80 bytes) in buckets of
// 200 bytes are 2 collectives ({0, 1} and {2}); the root's 7s reach every rank; the reducer
// sums r + 1 over ranks to k (k + 1) / 2.
void check_collectives(const launch::MpiSession& mpi, Checks& checks) {
  const auto group = world_group(mpi);
  const int k = mpi.size();
  auto collectives = launch::make_collectives(group, torch::kCPU);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 3; ++i) {
    auto p = torch::zeros({2, 5}, torch::kFloat64).requires_grad_(true);
    p.mutable_grad() = (mpi.rank() + 1) * torch::arange(1, 11, torch::kFloat64).view({2, 5});
    params.push_back(p);
  }
  params.push_back(torch::zeros({3}, torch::kFloat64).requires_grad_(true));  // no grad: skipped
  launch::GradientAllreducer reducer(*collectives, 200);
  reducer.average(params);
  const auto expected = (k + 1) / 2.0 * torch::arange(1, 11, torch::kFloat64).view({2, 5});
  for (int i = 0; i < 3; ++i)
    checks.expect(torch::allclose(params[i].grad(), expected, 0, 1e-15),
                  "gradient " + std::to_string(i) + " is the mean over ranks");
  checks.expect(!params[3].grad().defined(), "a parameter without gradient stays without");
  checks.expect(reducer.collectives() == 2,
                "3 gradients of 80 bytes in 200-byte buckets: 2 "
                "collectives, got " +
                    std::to_string(reducer.collectives()));

  std::vector<torch::Tensor> state{torch::full({4}, mpi.is_root() ? 7.0 : -1.0, torch::kFloat64),
                                   torch::full({2}, mpi.is_root() ? 3 : 9, torch::kInt64)};
  launch::broadcast_from_root(*collectives, state);
  checks.expect(torch::equal(state[0], torch::full({4}, 7.0, torch::kFloat64)) &&
                    torch::equal(state[1], torch::full({2}, 3, torch::kInt64)),
                "broadcast gives every rank the root's values");

  GroupBatchReducer batch_reducer(*collectives);
  const auto total = batch_reducer.sum(torch::full({1}, mpi.rank() + 1.0, torch::kFloat64));
  checks.expect(total.item<double>() == k * (k + 1) / 2.0, "the reducer sums over the ranks");
}

// True when `name` contains one of `parts` (no parts: every name).
bool selected(const std::string& name, const std::vector<std::string>& parts) {
  if (parts.empty()) return true;
  for (const auto& p : parts)
    if (name.find(p) != std::string::npos) return true;
  return false;
}

void check_equivalence(const launch::MpiSession& mpi, const std::vector<std::string>& only,
                       Checks& checks) {
  auto source = data::make_in_memory_source(synthetic_set(), torch::kCPU);
  const launch::ProcessGroup alone{MPI_COMM_SELF, 0, 1, 0};
  std::vector<const Case*> cases;
  for (const auto& c : kCases)
    if (selected(c.name, only)) cases.push_back(&c);
  const size_t n = cases.size();
  const auto owner = [&](size_t i) {
    return static_cast<int>(i % static_cast<size_t>(mpi.size()));
  };

  // 1. The single-process references, shared out: rank r trains cases r, r + k, ... alone
  //    (MPI_COMM_SELF), so no rank idles in a collective while another trains.
  std::vector<torch::Tensor> reference(n);
  for (size_t i = 0; i < n; ++i) {
    if (owner(i) != mpi.rank()) continue;
    try {
      reference[i] = train(*cases[i], *source, alone);
    } catch (const std::exception& e) {
      checks.expect(false, std::string(cases[i]->name) + " (single process): " + e.what());
    }
  }

  // 2. Each case data-parallel on the whole world; the reference's owner measures the distance.
  std::vector<double> rel(n, 0.0);  // summed over ranks below: only the owner's is non-zero
  std::vector<int64_t> numel(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Case& c = *cases[i];
    std::string error;
    torch::Tensor theta;
    try {
      theta = train(c, *source, world_group(mpi));
    } catch (const std::exception& e) {
      error = e.what();
    }
    // A case that cannot be built fails the same way on every rank (same code, same input).
    checks.expect(error.empty(), std::string(c.name) + ": " + error);
    if (!error.empty()) continue;
    numel[i] = theta.numel();
    // Every rank holds the root's parameters.
    auto root_theta = theta.clone();
    MPI_CHECK(MPI_Bcast(root_theta.data_ptr<double>(), static_cast<int>(root_theta.numel()),
                        MPI_DOUBLE, 0, MPI_COMM_WORLD));
    const double spread = (theta - root_theta).abs().max().item<double>();
    checks.expect(spread == 0.0,
                  std::string(c.name) + ": replicas differ by " + std::to_string(spread));
    if (owner(i) != mpi.rank()) continue;
    if (!reference[i].defined()) {
      rel[i] = std::nan("");  // the reference failed (reported above)
      continue;
    }
    rel[i] = ((theta - reference[i]).norm() / reference[i].norm()).item<double>();
    checks.expect(rel[i] <= kBound, std::string(c.name) + ": relative distance " +
                                        std::to_string(rel[i]) + " > 1e-10");
  }

  // 3. Rank 0 prints one line per case.
  MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, rel.data(), static_cast<int>(n), MPI_DOUBLE, MPI_SUM,
                          MPI_COMM_WORLD));
  if (!mpi.is_root()) return;
  for (size_t i = 0; i < n; ++i)
    std::printf(
        "data_parallel_test: %-28s %d rank(s): ||theta_k - theta_1|| / ||theta_1|| = "
        "%.3e (%lld parameters)\n",
        cases[i]->name, mpi.size(), rel[i], static_cast<long long>(numel[i]));
}

}  // namespace

int main(int argc, char** argv) {
  launch::MpiSession mpi(&argc, &argv);
  at::set_num_threads(1);  // ranks share 2 cores
  Checks checks;
  checks.rank = mpi.rank();
  const std::vector<std::string> only(argv + 1, argv + argc);  // case names to run (all if none)
  try {
    check_collectives(mpi, checks);
    check_equivalence(mpi, only, checks);
  } catch (const std::exception& e) {
    checks.expect(false, e.what());
  }
  const int failed = mpi.allreduce_max(checks.failed);
  if (mpi.is_root())
    std::printf("data_parallel_test: %d rank(s): %s\n", mpi.size(), failed ? "FAILED" : "passed");
  return failed ? 1 : 0;
}
