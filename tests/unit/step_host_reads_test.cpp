// tests/unit/step_host_reads_test.cpp — the step loop never reads a tensor's value on the host
// between log points (a read there is a host synchronisation on a GPU). A RecordFunction
// callback counts the outermost ATen ops that read values to the host: item,
// _local_scalar_dense, is_nonzero, equal, nonzero, masked_select, unique*, and indexing with a
// boolean mask. Each variant's loop (every variant unpacked, the packing ones also packed) runs
// with one log point, at its last step, so everything it does before that is "inside the
// step"; the count must be 0. A positive control (one .item()) counts 1. Also the CPU half of
// the CUDA graph path: steps served from the noise tape and static buffers equal eager steps.
#include <ATen/record_function.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "models/variant.h"
#include "runner/packed_loop.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"
#include "tests/unit/network_state.h"

namespace ganrun {
namespace {

// Ops that read a tensor's value on the host. Only the outermost op counts (what ganrun's code
// calls): reads nested inside another op are that op's business and allowed, e.g. one_hot's
// range check of its labels (the conditional variants) and LibTorch's fused CPU Adam (which
// ganrun does not use: its unpacked optimisers are the plain ones, the packed one is its own).
const std::set<std::string> kHostReads{
    "aten::item",     "aten::_local_scalar_dense", "aten::is_nonzero", "aten::equal",
    "aten::nonzero",  "aten::masked_select",       "aten::unique_dim", "aten::_unique",
    "aten::_unique2", "aten::unique_consecutive"};

thread_local int depth = 0;
thread_local std::vector<std::string>* reads = nullptr;  // the current count's list

bool boolean_index(const at::RecordFunction& fn) {
  if (std::string(fn.name()) != "aten::index") return false;
  for (const auto& input : fn.inputs()) {
    if (input.isTensor() && input.toTensor().scalar_type() == at::kBool) return true;
    if (input.isList()) {
      for (const auto& item : input.toListRef())
        if (item.isTensor() && item.toTensor().scalar_type() == at::kBool) return true;
    }
  }
  return false;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (depth++ == 0 && reads != nullptr && (kHostReads.count(fn.name()) > 0 || boolean_index(fn)))
    reads->push_back(fn.name());
  return nullptr;
}

void on_end(const at::RecordFunction&, at::ObserverContext*) { --depth; }

// The outermost host-reading ops `work` calls.
template <typename Work>
std::vector<std::string> host_reads(Work&& work) {
  std::vector<std::string> found;
  const auto handle = at::addThreadLocalCallback(at::RecordFunctionCallback(&on_start, &on_end)
                                                     .needsInputs(true)
                                                     .scopes({at::RecordScope::FUNCTION}));
  reads = &found;
  depth = 0;
  try {
    work();
  } catch (...) {
    reads = nullptr;
    at::removeCallback(handle);
    throw;
  }
  reads = nullptr;
  at::removeCallback(handle);
  return found;
}

class Quiet final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override {}
};

RunSettings settings_for(const std::string& variant, const std::string& arch) {
  RunSettings s;
  s.variant = variant;
  s.arch = arch;
  s.dataset = "mnist";
  s.batch = 8;
  s.n_critic = 2;
  s.steps = 6;
  s.log_every = 6;     // the one log point is the last step
  s.sample_every = 0;  // the grid at the last step too
  // BEGAN's collection rule decides at epoch ends (images() has 5 steps per epoch).
  if (variant == "began") s.lr_schedule = "collection";
  return s;
}

// 40 images: 5 steps of batch 8 per epoch, so the 6 steps cross an epoch end (a new order).
std::unique_ptr<data::BatchSource> images(int64_t size) {
  torch::manual_seed(5);
  data::Dataset d;
  d.images = torch::randint(0, 256, {40, 1, size, size}, torch::kInt64).to(torch::kUInt8);
  d.labels = torch::randint(0, 10, {40}, torch::kInt64);
  return data::make_in_memory_source(d, torch::kCPU);
}

TEST(StepHostReads, APositiveControlCountsOneItem) {
  const auto found = host_reads([] {
    auto t = torch::ones({3});
    (void)(t * 2).sum().item<float>();
  });
  EXPECT_EQ(found, (std::vector<std::string>{"aten::item"}));
}

class StepHostReadsByVariant : public ::testing::TestWithParam<std::string> {};

TEST_P(StepHostReadsByVariant, NoneBetweenLogPoints) {
  const std::string variant = GetParam();
  const std::string arch = variant == "ebgan" || variant == "began" ? "ae28" : "mlp-small";
  const RunSettings s = settings_for(variant, arch);
  auto source = images(28);
  const DataShape shape{1, 28, 28, 10};
  {
    auto v = models::make_variant(make_variant_config(s, shape, torch::kCPU));
    Quiet quiet;
    const auto found = host_reads([&] {
      train_loop(*v, *source, single_process_setup(s, "r", s.steps, torch::kCPU), quiet);
    });
    EXPECT_TRUE(found.empty()) << variant << " unpacked: " << found.size() << " reads, first "
                               << (found.empty() ? "" : found.front());
  }
  if (!models::pack_refusal(variant, arch).empty()) return;
  std::vector<RunSettings> members{s, s};
  members[1].seed = 1;
  members[1].lr_g = 1e-3;
  std::vector<models::VariantConfig> configs;
  for (const auto& m : members) configs.push_back(make_variant_config(m, shape, torch::kCPU));
  auto pack = models::make_packed_variant(configs);
  std::vector<LoopSetup> setups;
  Quiet q0, q1;
  for (const auto& m : members)
    setups.push_back(single_process_setup(m, "p", m.steps, torch::kCPU));
  const auto found = host_reads([&] {
    train_packed_loop(pack, *source, setups, {&q0, &q1}, nullptr);
  });
  EXPECT_TRUE(found.empty()) << variant << " packed: " << found.size() << " reads, first "
                             << (found.empty() ? "" : found.front());
}

INSTANTIATE_TEST_SUITE_P(Variants, StepHostReadsByVariant,
                         ::testing::Values("gan", "lsgan", "wgan", "wgan-gp", "dragan", "cgan",
                                           "acgan", "infogan", "ebgan", "began"));

// ---- the step as a CUDA graph replays it, on the CPU (runner/step_graph.h) ---------------------
// GraphMode::kTapeOnly runs all a capture does but the graph: two warm-up steps, a recording
// step, then every step from the static real-batch buffers and the noise tape restaged for that
// step. With the same (capturable) optimisers, its runs equal eager runs bit for bit: every draw
// is taped, restaged with its own key, and served in order.

class Rows final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>& means) override { rows.push_back(means); }
  void on_samples(int64_t, const torch::Tensor&) override {}
  std::vector<std::vector<double>> rows;
};

void expect_same_rows(const std::vector<std::vector<double>>& a,
                      const std::vector<std::vector<double>>& b, const std::string& who) {
  ASSERT_EQ(a.size(), b.size()) << who;
  for (size_t r = 0; r < a.size(); ++r)
    for (size_t m = 0; m < a[r].size(); ++m)
      EXPECT_TRUE(a[r][m] == b[r][m] || (std::isnan(a[r][m]) && std::isnan(b[r][m])))
          << who << " row " << r << " metric " << m << ": " << a[r][m] << " vs " << b[r][m];
}

class StepGraphTape : public ::testing::TestWithParam<std::string> {};

TEST_P(StepGraphTape, ServedStepsEqualEagerStepsExactly) {
  const std::string variant = GetParam();
  const std::string arch = variant == "ebgan" || variant == "began" ? "ae28" : "mlp-small";
  RunSettings s = settings_for(variant, arch);
  s.dtype = "float64";
  s.steps = 9;  // 2 warm-up, 1 recorded, 6 served (an epoch end among them)
  s.log_every = 1;
  auto source = images(28);
  const DataShape shape{1, 28, 28, 10};
  auto run = [&](GraphMode mode, torch::Tensor& state) {
    auto v = models::make_variant(make_variant_config(s, shape, torch::kCPU));
    v->use_capturable_optimizers();  // the eager run too: the same optimiser either way
    LoopSetup setup = single_process_setup(s, "r", s.steps, torch::kCPU);
    setup.graphs = mode;
    Rows rows;
    train_loop(*v, *source, setup, rows);
    state = test::all_state(*v);
    return rows.rows;
  };
  torch::Tensor eager_state, tape_state;
  const auto eager = run(GraphMode::kOff, eager_state);
  const auto tape = run(GraphMode::kTapeOnly, tape_state);
  expect_same_rows(tape, eager, variant);
  EXPECT_TRUE(torch::equal(tape_state, eager_state)) << variant;
}

INSTANTIATE_TEST_SUITE_P(Variants, StepGraphTape,
                         ::testing::Values("gan", "lsgan", "wgan", "wgan-gp", "dragan", "cgan",
                                           "acgan", "infogan", "ebgan", "began"));

TEST(StepGraphTape, CapturableOptimisersKeepBegansScheduleOnTheRatesTheyUse) {
  // BEGAN builds device-rate optimisers itself; a graph's switch to capturable optimisers must
  // keep them (not build new ones whose rates the collection rule no longer halves). The same
  // run with and without the switch ends alike, and the rule did halve.
  RunSettings s = settings_for("began", "ae28");  // lr_schedule: collection
  s.dtype = "float64";
  s.steps = 9;  // an epoch end at step 5
  s.log_every = 1;
  auto source = images(28);
  const DataShape shape{1, 28, 28, 10};
  auto run = [&](bool switch_optimisers, torch::Tensor& state) {
    auto v = models::make_variant(make_variant_config(s, shape, torch::kCPU));
    if (switch_optimisers) v->use_capturable_optimizers();
    Rows rows;
    train_loop(*v, *source, single_process_setup(s, "r", s.steps, torch::kCPU), rows);
    state = test::all_state(*v);
    return rows.rows;
  };
  torch::Tensor plain_state, switched_state;
  const auto plain = run(false, plain_state);
  const auto switched = run(true, switched_state);
  const size_t lr_column = 4;  // d_loss, g_loss, k_t, M, lr
  ASSERT_FALSE(plain.empty());
  EXPECT_LT(plain.back()[lr_column], s.lr_g);
  expect_same_rows(switched, plain, "began");
  EXPECT_TRUE(torch::equal(switched_state, plain_state));
}

TEST(StepGraphTape, APackServedFromTheTapeEqualsItsEagerSteps) {
  RunSettings s = settings_for("wgan-gp", "mlp-small");
  s.dtype = "float64";
  s.steps = 8;
  s.log_every = 1;
  std::vector<RunSettings> members{s, s};
  members[1].seed = 1;
  members[1].lr_g = 1e-3;
  auto source = images(28);
  const DataShape shape{1, 28, 28, 10};
  auto run = [&](GraphMode mode, torch::Tensor& state) {
    std::vector<models::VariantConfig> configs;
    for (const auto& m : members) configs.push_back(make_variant_config(m, shape, torch::kCPU));
    auto pack = models::make_packed_variant(configs);
    std::vector<LoopSetup> setups;
    for (const auto& m : members) {
      setups.push_back(single_process_setup(m, "p", m.steps, torch::kCPU));
      setups.back().graphs = mode;
    }
    Rows r0, r1;
    train_packed_loop(pack, *source, setups, {&r0, &r1}, nullptr);
    state = test::all_state(*pack.packed);
    return std::vector<std::vector<std::vector<double>>>{r0.rows, r1.rows};
  };
  torch::Tensor eager_state, tape_state;
  const auto eager = run(GraphMode::kOff, eager_state);
  const auto tape = run(GraphMode::kTapeOnly, tape_state);
  for (size_t k = 0; k < 2; ++k) expect_same_rows(tape[k], eager[k], "member " + std::to_string(k));
  EXPECT_TRUE(torch::equal(tape_state, eager_state));
}

TEST(NoiseTape, RestagedDrawsAreTheStepsOwnAndServedInOrder) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  models::NoiseSource direct(7, 3, models::BatchSlice{4, 0, 4}, f64);
  models::NoiseSource taped(7, 3, models::BatchSlice{4, 0, 4}, f64);
  taped.set_tape(models::DrawTape::kRecord);
  const auto z3 = taped.z(3, 1);
  const auto u3 = taped.uniform01(3, 9, 2, {2});
  const auto c3 = taped.categorical(3, 9, 4, 10);
  EXPECT_EQ(taped.taped_draws(), 3u);
  EXPECT_TRUE(torch::equal(z3, direct.z(3, 1)));  // recording draws as usual
  taped.restage(5);
  taped.set_tape(models::DrawTape::kServe);
  // The step argument is ignored when serving: the buffers hold step 5's draws.
  EXPECT_TRUE(torch::equal(taped.z(3, 1), direct.z(5, 1)));
  EXPECT_TRUE(torch::equal(taped.uniform01(3, 9, 2, {2}), direct.uniform01(5, 9, 2, {2})));
  EXPECT_TRUE(torch::equal(taped.categorical(3, 9, 4, 10), direct.categorical(5, 9, 4, 10)));
  EXPECT_FALSE(torch::equal(direct.z(5, 1), direct.z(3, 1)));
  EXPECT_THROW(taped.z(5, 1), std::logic_error);  // a fourth draw was never recorded
}

}  // namespace
}  // namespace ganrun
