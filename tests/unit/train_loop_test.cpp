// tests/unit/train_loop_test.cpp — the step loop with a scripted variant: which real samples
// each critic update gets (the one sample order, epochs of floor(floor(N/batch)/n_critic)
// steps), noise keys, metric rows every log_every steps, divergence and failure handling.
#include "runner/train_loop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "data/sample_order.h"
#include "runner/config_error.h"
#include "runner/run_executor.h"

namespace ganrun {
namespace {

// Records what the loop hands it; its "losses" are scripted.
class ScriptedVariant final : public models::Variant {
 public:
  const std::vector<std::string>& metric_names() const override { return names_; }
  void discriminator_step(const models::RealBatch& real, const models::StepContext& ctx,
                          models::MetricAccumulator& metrics) override {
    batches.push_back(real.labels.clone());  // labels hold the sample index in these tests
    critic_iters.push_back(ctx.critic_iter);
    noise_rows.push_back(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
    metrics.add("d_loss", torch::tensor(d_loss_at(ctx.step), torch::kFloat64));
  }
  void generator_step(const models::StepContext& ctx, models::MetricAccumulator& metrics) override {
    generator_iters.push_back(ctx.critic_iter);
    metrics.add("g_loss", torch::tensor(static_cast<double>(ctx.step), torch::kFloat64));
  }
  torch::Tensor sample(const torch::Tensor& z) override {
    return torch::zeros({z.size(0), 1, 2, 2}, torch::kFloat64);
  }
  models::NamedTensors generator_state() override { return {}; }
  void load_generator_state(const models::NamedTensors&) override {}
  std::vector<std::shared_ptr<torch::nn::Module>> networks() override { return {}; }

  double d_loss_at(int64_t step) const {
    return step == nan_step ? std::numeric_limits<double>::quiet_NaN() : 1.0;
  }
  int64_t nan_step = -1;
  std::vector<torch::Tensor> batches, noise_rows;
  std::vector<int64_t> critic_iters, generator_iters;

 private:
  // "penalty" is declared but never recorded: an empty metric is not a divergence.
  std::vector<std::string> names_{"d_loss", "g_loss", "penalty"};
};

class RecordingObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t steps_done, const std::vector<double>& means) override {
    rows.push_back(steps_done);
    values.push_back(means);
  }
  void on_samples(int64_t steps_done, const torch::Tensor& images) override {
    sample_steps.push_back(steps_done);
    EXPECT_EQ(images.scalar_type(), torch::kUInt8);
  }
  std::vector<int64_t> rows, sample_steps;
  std::vector<std::vector<double>> values;
};

// A data set of N 1x2x2 images whose labels are their own index.
data::Dataset indexed_dataset(int64_t n) {
  data::Dataset d;
  d.images = torch::zeros({n, 1, 2, 2}, torch::kUInt8);
  d.labels = torch::arange(n, torch::kInt64);
  return d;
}

struct LoopRun {
  ScriptedVariant variant;
  RecordingObserver observer;
  LoopResult result;
};

void run_loop(LoopRun& run, const RunSettings& s, const data::Dataset& d, int64_t steps) {
  LoopSetup setup = single_process_setup(s, "loop-test", steps, torch::kCPU);
  setup.fixed_samples = 4;
  auto source = data::make_in_memory_source(d, torch::kCPU);
  run.result = train_loop(run.variant, *source, setup, run.observer);
}

// Batch 10, n_critic 3, seed 5, a metric row every step: on indexed_dataset(100), 10 batches and
// floor(10 / 3) = 3 steps an epoch, using batches 0..8.
RunSettings three_steps_an_epoch() {
  RunSettings s;
  s.batch = 10;
  s.n_critic = 3;
  s.seed = 5;
  s.log_every = 1;
  s.sample_every = 0;
  return s;
}

TEST(TrainLoop, CriticUpdatesTakeConsecutiveBatchesOfTheEpochOrderAndSkipTheRemainder) {
  // N = 100, batch 10 -> 10 batches per epoch; n_critic 3 -> floor(10 / 3) = 3 steps per epoch,
  // using batches 0..8; batch 9 (10 samples) is skipped.
  const RunSettings s = three_steps_an_epoch();
  const auto d = indexed_dataset(100);
  EXPECT_EQ(total_steps(
                [&] {
                  auto t = s;
                  t.epochs = 2;
                  return t;
                }(),
                100),
            6);
  LoopRun run;
  run_loop(run, s, d, 6);  // two epochs
  ASSERT_EQ(run.variant.batches.size(), 18u);
  data::SampleOrder order(100, 10, 5);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    const auto perm = order.epoch_permutation(epoch);
    std::set<int64_t> seen;
    for (int64_t b = 0; b < 9; ++b) {
      const auto& got = run.variant.batches[epoch * 9 + b];
      EXPECT_TRUE(torch::equal(got, perm.narrow(0, b * 10, 10))) << "epoch " << epoch << " b " << b;
      for (int64_t i = 0; i < 10; ++i) seen.insert(got[i].item<int64_t>());
    }
    EXPECT_EQ(seen.size(), 90u);  // 9 distinct batches of 10: the remainder is not replayed
  }
  // Critic iterations 0, 1, 2 then the generator with sub-index n_critic = 3.
  EXPECT_EQ(run.variant.critic_iters,
            (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(run.variant.generator_iters, (std::vector<int64_t>(6, 3)));
  // Each critic update draws fresh noise.
  EXPECT_FALSE(torch::equal(run.variant.noise_rows[0], run.variant.noise_rows[1]));
}

TEST(TrainLoop, EpochTailCriticGivesTheLeftoverBatchesCriticOnlyUpdatesAtEachEpochEnd) {
  // As above (3 steps per epoch on batches 0..8), with `epoch_tail: critic` (WGAN.py): after
  // each epoch's third step, batch 9 gets a critic update keyed critic_iter 3 + 1 = 4, and no
  // generator update; the step count is unchanged.
  RunSettings s = three_steps_an_epoch();
  s.epoch_tail = "critic";
  const auto d = indexed_dataset(100);
  LoopRun run;
  run_loop(run, s, d, 6);
  ASSERT_EQ(run.variant.batches.size(), 20u);
  data::SampleOrder order(100, 10, 5);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    const auto perm = order.epoch_permutation(epoch);
    std::set<int64_t> seen;
    for (int64_t b = 0; b < 10; ++b) {
      const auto& got = run.variant.batches[epoch * 10 + b];
      EXPECT_TRUE(torch::equal(got, perm.narrow(0, b * 10, 10))) << "epoch " << epoch << " b " << b;
      for (int64_t i = 0; i < 10; ++i) seen.insert(got[i].item<int64_t>());
    }
    EXPECT_EQ(seen.size(), 100u);  // the whole epoch, the leftover batch included
  }
  const std::vector<int64_t> epoch_iters{0, 1, 2, 0, 1, 2, 0, 1, 2, 4};
  std::vector<int64_t> expected = epoch_iters;
  expected.insert(expected.end(), epoch_iters.begin(), epoch_iters.end());
  EXPECT_EQ(run.variant.critic_iters, expected);
  EXPECT_EQ(run.variant.generator_iters, (std::vector<int64_t>(6, 3)));
  // The tail's noise is its own draw (step 2, sub 4), not the generator's (step 2, sub 3).
  const models::NoiseSource noise(5, s.z_dim, models::BatchSlice{10, 0, 10},
                                  torch::TensorOptions().dtype(torch::kFloat32));
  EXPECT_TRUE(torch::equal(run.variant.noise_rows[9], noise.z(2, 4)));
  EXPECT_FALSE(torch::equal(run.variant.noise_rows[9], noise.z(2, 3)));
}

TEST(TrainLoop, MetricRowsAreMeansOverEachLogIntervalAndSamplesFollowSampleEvery) {
  RunSettings s;
  s.batch = 4;
  s.log_every = 4;
  s.sample_every = 5;
  const auto d = indexed_dataset(40);
  LoopRun run;
  run_loop(run, s, d, 10);
  EXPECT_FALSE(run.result.diverged);
  EXPECT_EQ(run.result.stop_step, 10);
  // Rows at 4, 8 and the last step (10).
  EXPECT_EQ(run.observer.rows, (std::vector<int64_t>{4, 8, 10}));
  // g_loss is the step index: mean of 0..3 = 1.5, of 4..7 = 5.5, of 8..9 = 8.5.
  EXPECT_DOUBLE_EQ(run.observer.values[0][1], 1.5);
  EXPECT_DOUBLE_EQ(run.observer.values[1][1], 5.5);
  EXPECT_DOUBLE_EQ(run.observer.values[2][1], 8.5);
  // The never-recorded metric reads NaN in every row, and did not end the run.
  for (const auto& row : run.observer.values) EXPECT_TRUE(std::isnan(row[2]));
  EXPECT_EQ(run.observer.sample_steps, (std::vector<int64_t>{5, 10}));
}

TEST(TrainLoop, NonFiniteLossEndsTheRunAsDivergedAtTheLogPoint) {
  RunSettings s;
  s.batch = 4;
  s.log_every = 3;
  s.sample_every = 0;
  const auto d = indexed_dataset(40);
  LoopRun run;
  run.variant.nan_step = 4;  // inside the second log interval (steps 3..5)
  run_loop(run, s, d, 9);
  EXPECT_TRUE(run.result.diverged);
  EXPECT_EQ(run.result.stop_step, 6);
  EXPECT_NE(run.result.message.find("d_loss"), std::string::npos) << run.result.message;
  EXPECT_EQ(run.observer.rows, (std::vector<int64_t>{3, 6}));  // the NaN row is recorded
  EXPECT_TRUE(std::isnan(run.observer.values[1][0]));
}

TEST(TrainLoop, TestHookThrowsAStepErrorCarryingTheStep) {
  RunSettings s;
  s.batch = 4;
  s.sample_every = 0;
  const auto d = indexed_dataset(40);
  ::setenv("GANRUN_TEST_THROW", "loop-te@3", 1);
  LoopRun run;
  try {
    run_loop(run, s, d, 9);
    ADD_FAILURE() << "no exception";
  } catch (const StepError& e) {
    EXPECT_EQ(e.step(), 3);
  }
  ::unsetenv("GANRUN_TEST_THROW");
  EXPECT_EQ(run.variant.generator_iters.size(), 3u);  // steps 0, 1, 2 ran
}

std::string total_steps_error(const RunSettings& s, int64_t dataset_size) {
  try {
    total_steps(s, dataset_size);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TrainLoop, TotalStepsRefusesADataSetTooSmallForOneStepWithStepsAsWithEpochs) {
  // N = 100, batch 40: floor(100 / 40) = 2 batches per epoch; n_critic 3 needs 3 of them, so an
  // epoch holds floor(2 / 3) = 0 steps, and the loop's step % steps_per_epoch would divide by 0.
  RunSettings s;
  s.batch = 40;
  s.n_critic = 3;
  for (const bool by_steps : {true, false}) {
    s.steps = by_steps ? 5 : 0;
    s.epochs = by_steps ? 0 : 1;
    EXPECT_EQ(total_steps_error(s, 100),
              "batch 40 x n_critic 3 needs more than the 100 samples of data set fashion-mnist "
              "(train split) for one step; lower batch or n_critic")
        << (by_steps ? "steps" : "epochs");
  }
  s.n_critic = 2;  // 2 batches of 40 fit: one step per epoch
  s.steps = 5;
  s.epochs = 0;
  EXPECT_EQ(total_steps(s, 100), 5);
  s.batch = 101;
  EXPECT_EQ(total_steps_error(s, 100),
            "batch 101 is larger than the 100 samples of data set fashion-mnist (train split); "
            "lower batch");
}

TEST(TrainLoop, TotalStepsRefusesEpochsWhoseStepCountOverflows) {
  // N = 1000, batch 10, n_critic 1: 100 steps per epoch. INT64_MAX / 100 = 92233720368547758
  // epochs still fit (9223372036854775800 steps); one more epoch does not.
  RunSettings s;
  s.batch = 10;
  s.epochs = std::numeric_limits<int64_t>::max() / 100;
  EXPECT_EQ(total_steps(s, 1000), 9223372036854775800);
  s.epochs += 1;
  const std::string message = total_steps_error(s, 1000);
  EXPECT_NE(message.find("epochs 92233720368547759 x 100 steps per epoch"), std::string::npos)
      << message;
  EXPECT_NE(message.find("lower epochs"), std::string::npos) << message;
}

TEST(TrainLoop, ReducedPrecisionHoldsForTheScopeAndIsRestored) {
  // The settings are LibTorch's process-wide ones (read without a GPU): a tf32 run switches CUDA
  // matrix products and convolutions to TF32, evaluation inside it back to IEEE, and each scope
  // restores what was there before.
  using at::Float32Backend, at::Float32Op, at::Float32Precision;
  auto& context = at::globalContext();
  auto matmul = [&] { return context.float32Precision(Float32Backend::CUDA, Float32Op::MATMUL); };
  auto conv = [&] { return context.float32Precision(Float32Backend::CUDA, Float32Op::CONV); };
  const auto before_matmul = matmul(), before_conv = conv();
  {
    const ganrun::Float32Precision run("tf32");
    EXPECT_EQ(matmul(), Float32Precision::TF32);
    EXPECT_EQ(conv(), Float32Precision::TF32);
    {
      const ganrun::Float32Precision evaluation("none");
      EXPECT_EQ(matmul(), Float32Precision::IEEE);
      EXPECT_EQ(conv(), Float32Precision::IEEE);
    }
    EXPECT_EQ(matmul(), Float32Precision::TF32);
  }
  EXPECT_EQ(matmul(), before_matmul);
  EXPECT_EQ(conv(), before_conv);
}

TEST(TrainLoop, ImagesMapToUint8ByRounding) {
  // -1 -> 0, 1 -> 255, 0 -> 127.5 -> 128 (torch rounds half to even), -0.5 -> 63.75 -> 64;
  // out of range clamps.
  auto x = torch::tensor({-1.0, 1.0, 0.0, -3.0, 3.0, -0.5}, torch::kFloat64);
  auto u = to_uint8_images(x);
  EXPECT_EQ(u.scalar_type(), torch::kUInt8);
  std::vector<int> got(u.data_ptr<uint8_t>(), u.data_ptr<uint8_t>() + 6);
  EXPECT_EQ(got, (std::vector<int>{0, 255, 128, 0, 255, 64}));
}

}  // namespace
}  // namespace ganrun
