// tests/unit/checkpoint_test.cpp — resume exactness (runner/checkpoint.h): a run of 2N steps
// against the same run stopped after its checkpoint at N (and a few steps more, which the
// resume drops), then continued by a freshly built variant from the checkpoint file. Both
// must end with bitwise-identical parameters and buffers and identical metric rows and sample
// grids, for variants whose state goes beyond the nets: optimiser moments and step counts
// (every variant), WGAN-GP's n_critic 5, BEGAN's k_t, M and learning rates (with the
// collection's lr rule over an epoch end), InfoGAN's third optimiser, mlp-deep's dropout
// generator. The checkpoint falls between log points (metric sums in progress) and, with 16
// steps an epoch, in the middle of an epoch. In-process, one thread, float64 and float32. A
// packed pair resumes the same way, as one pack; a data-parallel group's store keeps a file per
// rank and resumes only from a step every rank wrote.
#include "runner/checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "models/variant.h"
#include "runner/packed_loop.h"
#include "runner/run_evaluation.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"
#include "tests/unit/loop_recorder.h"
#include "tests/unit/network_state.h"
#include "tests/unit/test_support.h"

namespace ganrun {
namespace {

using Recorder = test::LoopRecorder;

struct Case {
  std::string variant, arch;
  int64_t n_critic = 1;
  std::string dtype = "float64";
  std::string lr_schedule = "none";
  std::string info_optimizer = "joint";
  int64_t steps = 24;  // checkpoint at 5/12 of them, stopped up to 3 steps later
  int64_t checkpoint() const { return steps * 5 / 12; }
  // Before the next checkpoint, with at least one logged row to drop.
  int64_t stopped_at() const { return checkpoint() + std::min<int64_t>(3, checkpoint() - 1); }
};

// gtest prints a parameter with this (instead of its bytes) when a case fails.
void PrintTo(const Case& c, std::ostream* os) { *os << c.variant << " on " << c.arch; }

RunSettings settings_of(const Case& c) {
  RunSettings s;
  s.variant = c.variant;
  s.arch = c.arch;
  s.dataset = "mnist";
  s.batch = 8;
  s.n_critic = c.n_critic;
  s.steps = c.steps;
  s.log_every = 4;  // the checkpoint (10 of 24) falls inside a log interval (8..12)
  s.sample_every = 6;
  s.checkpoint_every = c.checkpoint();
  s.dtype = c.dtype;
  s.lr_schedule = c.lr_schedule;
  s.info_optimizer = c.info_optimizer;
  s.seed = 3;
  return s;
}

// 64 random 12x12 images (28x28 for the auto-encoders): 8 steps an epoch at batch 8, so the
// checkpoint at 10 is in the middle of the second epoch, after an epoch end (BEGAN's rule).
std::unique_ptr<data::BatchSource> images_for(const std::string& arch) {
  const int64_t size = arch == "ae28" ? 28 : 12;
  torch::manual_seed(5);
  data::Dataset d;
  d.images = torch::randint(0, 256, {64, 1, size, size}, torch::kInt64).to(torch::kUInt8);
  d.labels = torch::randint(0, 10, {64}, torch::kInt64);
  return data::make_in_memory_source(d, torch::kCPU);
}

LoopSetup setup_of(const RunSettings& s) {
  LoopSetup setup = single_process_setup(s, "resume-test", s.steps, torch::kCPU);
  setup.fixed_samples = 4;
  return setup;
}

class ResumeExactly : public ::testing::TestWithParam<Case> {};

TEST_P(ResumeExactly, StoppedAfterACheckpointAndResumedEqualsTheRunStraight) {
  const Case c = GetParam();
  const RunSettings s = settings_of(c);
  auto source = images_for(c.arch);
  const DataShape shape{1, source->height(), source->width(), 10};
  const auto config = make_variant_config(s, shape, torch::kCPU);
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);

  auto straight = models::make_variant(config);
  Recorder straight_rows;
  train_loop(*straight, *source, setup_of(s), straight_rows);

  test::TempDir dir("checkpoint");
  CheckpointStore store(dir.path() / "runs", "resume-test");
  Recorder rows;
  {
    // An attempt killed a few steps after its checkpoint (test hook: a failure at step 13 of
    // the same 24-step run); the rows it logged after the checkpoint are not kept.
    auto first = models::make_variant(config);
    LoopSetup setup = setup_of(s);
    setup.checkpoint_every = c.checkpoint();
    setup.checkpoint = [&](int64_t done, models::Variant& v, const models::MetricAccumulator& m) {
      store.write(done, v, m);
    };
    setenv("GANRUN_TEST_THROW", ("resume-test@" + std::to_string(c.stopped_at())).c_str(), 1);
    try {
      train_loop(*first, *source, setup, rows);
      ADD_FAILURE() << "the injected failure did not stop the run";
    } catch (const StepError& e) {
      EXPECT_EQ(e.step(), c.stopped_at());
    }
    unsetenv("GANRUN_TEST_THROW");
  }
  ASSERT_EQ(store.latest(), std::optional<int64_t>(c.checkpoint()));
  rows.keep_until(c.checkpoint());

  auto resumed = models::make_variant(config);  // built afresh, as in a new process
  LoopSetup setup = setup_of(s);
  setup.start_step = c.checkpoint();
  setup.restore = [&](models::Variant& v, models::MetricAccumulator& m) {
    store.load(c.checkpoint(), v, m, torch::kCPU);
  };
  train_loop(*resumed, *source, setup, rows);
  torch::set_num_threads(threads);

  const std::string who = c.variant + " on " + c.arch;
  EXPECT_TRUE(torch::equal(test::all_state(*resumed), test::all_state(*straight))) << who;
  ASSERT_EQ(rows.steps, straight_rows.steps) << who;
  for (size_t r = 0; r < rows.rows.size(); ++r)
    for (size_t m = 0; m < rows.rows[r].size(); ++m) {
      const double a = rows.rows[r][m], b = straight_rows.rows[r][m];
      EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b)))
          << who << " row " << rows.steps[r] << " metric " << m << ": " << a << " vs " << b;
    }
  ASSERT_EQ(rows.grid_steps, straight_rows.grid_steps) << who;
  for (size_t g = 0; g < rows.grids.size(); ++g)
    EXPECT_TRUE(torch::equal(rows.grids[g], straight_rows.grids[g])) << who << " grid " << g;
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ResumeExactly,
    ::testing::Values(Case{"gan", "mlp-small"}, Case{"wgan-gp", "mlp-small", 5},
                      Case{"began", "ae28", 1, "float64", "collection"},
                      Case{"infogan", "mlp-small", 1, "float64", "none", "separate"},
                      // mlp-deep (17M parameters) on 8 steps: checkpoint 3, stopped at 5.
                      Case{"cgan", "mlp-deep", 1, "float32", "none", "joint", 8},
                      Case{"lsgan", "dcgan28"}),
    [](const auto& info) {
      std::string name = info.param.variant + "_" + info.param.arch + "_" + info.param.dtype;
      for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

TEST(CheckpointStore, KeepsTheTwoNewestAndRefusesAnotherRunsFile) {
  RunSettings s = settings_of(Case{"gan", "mlp-small"});
  auto source = images_for("mlp-small");
  const auto config = make_variant_config(s, DataShape{1, 12, 12, 10}, torch::kCPU);
  auto v = models::make_variant(config);
  models::MetricAccumulator m(v->metric_names());
  test::TempDir dir("checkpoint-store");
  CheckpointStore store(dir.path() / "runs", "a");
  EXPECT_EQ(store.latest(), std::nullopt);
  for (const int64_t step : {5, 10, 15}) store.write(step, *v, m);
  EXPECT_EQ(store.latest(), std::optional<int64_t>(15));
  EXPECT_FALSE(std::filesystem::exists(store.path_of(5)));
  EXPECT_TRUE(std::filesystem::exists(store.path_of(10)));
  EXPECT_EQ(store.dir(), dir.path() / "checkpoints" / "a");
  // Another run's checkpoint under this run's name is refused, naming the file.
  std::filesystem::create_directories(dir.path() / "checkpoints" / "b");
  std::filesystem::copy_file(store.path_of(15), dir.path() / "checkpoints" / "b" / "step-15.pt");
  CheckpointStore other(dir.path() / "runs", "b");
  try {
    other.load(15, *v, m, torch::kCPU);
    ADD_FAILURE() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("step-15.pt: cannot resume"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("belongs to run a"), std::string::npos) << e.what();
  }
  store.remove_all();
  EXPECT_FALSE(std::filesystem::exists(store.dir()));
}

// Two members differing in seed and lr_g trained as one pack: 2N steps straight against N,
// a failure 3 steps later, and a fresh pack resumed from the pack's checkpoint.
TEST(ResumeExactlyPacked, APackedPairStoppedAndResumedEqualsThePairStraight) {
  RunSettings a = settings_of(Case{"gan", "mlp-small"});
  RunSettings b = a;
  b.seed = 8;
  b.lr_g = 1e-3;
  auto source = images_for("mlp-small");
  const DataShape shape{1, source->height(), source->width(), 10};
  const std::vector<models::VariantConfig> configs{make_variant_config(a, shape, torch::kCPU),
                                                   make_variant_config(b, shape, torch::kCPU)};
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const int64_t checkpoint = 10, stopped = 13;
  auto setups_of = [&] {
    std::vector<LoopSetup> setups{setup_of(a), setup_of(b)};
    setups[0].run_id = "pack-member-a";
    setups[1].run_id = "pack-member-b";
    return setups;
  };
  auto straight = models::make_packed_variant(configs);
  std::vector<Recorder> straight_rows(2);
  train_packed_loop(straight, *source, setups_of(), {&straight_rows[0], &straight_rows[1]},
                    nullptr);

  test::TempDir dir("checkpoint-pack");
  auto store = CheckpointStore::for_pack(dir.path() / "runs", {"pack-member-a", "pack-member-b"});
  std::vector<Recorder> rows(2);
  {
    auto first = models::make_packed_variant(configs);
    auto setups = setups_of();
    setups[0].checkpoint_every = checkpoint;
    setups[0].checkpoint = [&](int64_t done, models::Variant& v,
                               const models::MetricAccumulator& m) { store.write(done, v, m); };
    setenv("GANRUN_TEST_THROW", ("pack-member-b@" + std::to_string(stopped)).c_str(), 1);
    EXPECT_THROW(train_packed_loop(first, *source, setups, {&rows[0], &rows[1]}, nullptr),
                 StepError);
    unsetenv("GANRUN_TEST_THROW");
  }
  ASSERT_EQ(store.latest(), std::optional<int64_t>(checkpoint));
  EXPECT_EQ(store.dir(), dir.path() / "checkpoints" / "pack-pack-member-a");
  for (auto& r : rows) r.keep_until(checkpoint);

  auto resumed = models::make_packed_variant(configs);
  auto setups = setups_of();
  setups[0].start_step = checkpoint;
  setups[0].restore = [&](models::Variant& v, models::MetricAccumulator& m) {
    store.load(checkpoint, v, m, torch::kCPU);
  };
  train_packed_loop(resumed, *source, setups, {&rows[0], &rows[1]}, nullptr);
  torch::set_num_threads(threads);

  EXPECT_TRUE(torch::equal(test::all_state(*resumed.packed), test::all_state(*straight.packed)));
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_TRUE(
        torch::equal(test::all_state(*resumed.members[k]), test::all_state(*straight.members[k])))
        << "member " << k;
    ASSERT_EQ(rows[k].steps, straight_rows[k].steps) << "member " << k;
    for (size_t r = 0; r < rows[k].rows.size(); ++r)
      EXPECT_EQ(rows[k].rows[r], straight_rows[k].rows[r]) << "member " << k << " row " << r;
    ASSERT_EQ(rows[k].grid_steps, straight_rows[k].grid_steps);
    for (size_t g = 0; g < rows[k].grids.size(); ++g)
      EXPECT_TRUE(torch::equal(rows[k].grids[g], straight_rows[k].grids[g]));
  }
  // A pack of other members under the same first member's folder is refused.
  auto other = CheckpointStore::for_pack(dir.path() / "runs", {"pack-member-a", "pack-member-c"});
  models::MetricAccumulator m(resumed.packed->metric_names(), 2);
  EXPECT_THROW(other.load(checkpoint, *resumed.packed, m, torch::kCPU), std::runtime_error);
}

// A group of 2: one file per rank and step; a step resumes only when both ranks wrote it, each
// rank keeps its own two newest, and a rank's file is refused to another rank.
TEST(CheckpointStore, AGroupResumesOnlyFromAStepEveryRankWrote) {
  RunSettings s = settings_of(Case{"gan", "mlp-small"});
  const auto config = make_variant_config(s, DataShape{1, 12, 12, 10}, torch::kCPU);
  auto v = models::make_variant(config);
  models::MetricAccumulator m(v->metric_names());
  test::TempDir dir("checkpoint-group");
  CheckpointStore rank0(dir.path() / "runs", "g", 0, 2), rank1(dir.path() / "runs", "g", 1, 2);
  EXPECT_EQ(rank0.path_of(5).filename(), "step-5.rank-0-of-2.pt");
  rank0.write(5, *v, m);
  EXPECT_EQ(rank0.latest(), std::nullopt);  // rank 1 has not written step 5
  rank1.write(5, *v, m);
  EXPECT_EQ(rank1.latest(), std::optional<int64_t>(5));
  rank0.write(10, *v, m);
  rank0.write(15, *v, m);  // rank 1 killed before 10: rank 0 keeps 10 and 15, rank 1 only 5
  EXPECT_FALSE(std::filesystem::exists(rank0.path_of(5)));
  EXPECT_EQ(rank0.latest(), std::nullopt);
  rank1.write(10, *v, m);
  EXPECT_EQ(rank0.latest(), std::optional<int64_t>(10));
  EXPECT_EQ(checkpoint_group_sizes(rank0.dir()), std::set<int>{2});
  // The same run on one rank sees no checkpoint of its own size.
  EXPECT_EQ(CheckpointStore(dir.path() / "runs", "g").latest(), std::nullopt);
  std::filesystem::copy_file(rank0.path_of(10), rank0.dir() / "step-10.pt");
  EXPECT_EQ(checkpoint_group_sizes(rank0.dir()), (std::set<int>{1, 2}));
  CheckpointStore alone(dir.path() / "runs", "g");
  try {
    alone.load(10, *v, m, torch::kCPU);
    ADD_FAILURE() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0's of a group of 2"), std::string::npos)
        << e.what();
  }
  rank1.remove_all();
  EXPECT_TRUE(checkpoint_group_sizes(rank0.dir()).empty());
}

}  // namespace
}  // namespace ganrun
