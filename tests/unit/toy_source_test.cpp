// tests/unit/toy_source_test.cpp — the 2-D toy path of the runner: the toy batch source and
// load_toy_set, the pixel_range conversions, the decision field's grid, the step loop on a
// points source (real rows as [k, 2] in the run dtype, evaluation points every eval_every
// steps with points, field and mode metric instead of image grids), and the run file's /toy
// and /eval groups read back through the HDF5 C API.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "data/batch_source.h"
#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/h5_check.h"  // H5CALL, Hid
#include "models/decision_field.h"
#include "runner/run_file.h"
#include "runner/train_loop.h"
#include "tests/unit/test_support.h"

namespace ganrun {
namespace {

torch::Tensor f64(std::vector<double> v) { return torch::tensor(v, torch::kFloat64); }

data::ToySet three_points() {
  data::ToySet set;
  set.name = "toy-file";
  set.points = f64({0, 1, 2, 3, 4, 5}).reshape({3, 2});
  set.centres = torch::empty({0, 2}, torch::kFloat64);
  return set;
}

// ---- the toy source and the loader -----------------------------------------------------------

TEST(ToySource, ServesPointRowsInTheOrderAskedWithTheToyShape) {
  auto source = data::make_toy_source(three_points(), torch::kCPU);
  EXPECT_TRUE(source->is_points());
  EXPECT_EQ(source->size(), 3);
  EXPECT_EQ(source->channels(), 2);  // the toy architecture's 2 x 1 x 1
  EXPECT_EQ(source->height(), 1);
  EXPECT_EQ(source->width(), 1);
  const auto rows = source->points(torch::tensor({2, 0}, torch::kInt64), torch::kCPU);
  EXPECT_TRUE(torch::equal(rows, f64({4, 5, 0, 1}).reshape({2, 2})));
  EXPECT_TRUE(torch::equal(source->labels(torch::tensor({2, 0}, torch::kInt64), torch::kCPU),
                           torch::zeros({2}, torch::kInt64)));
  EXPECT_THROW(source->images(torch::tensor({0}, torch::kInt64), torch::kCPU), std::logic_error);
  EXPECT_THROW(source->points(torch::tensor({3}, torch::kInt64), torch::kCPU), std::out_of_range);
}

TEST(ToySource, ImageSourcesAreNotPointSources) {
  data::Dataset d;
  d.images = torch::zeros({2, 1, 2, 2}, torch::kUInt8);
  d.labels = torch::zeros({2}, torch::kInt64);
  auto source = data::make_in_memory_source(d, torch::kCPU);
  EXPECT_FALSE(source->is_points());
  EXPECT_EQ(source->toy_set(), nullptr);
  EXPECT_THROW(source->points(torch::tensor({0}, torch::kInt64), torch::kCPU), std::logic_error);
}

TEST(ToyLoader, GeneratesTheNamedSetAndReadsToyFileFromDataDir) {
  EXPECT_TRUE(data::is_toy_dataset("toy-ring8"));
  EXPECT_FALSE(data::is_toy_dataset("mnist"));
  const auto ring = data::load_toy_set("toy-ring8", "");
  EXPECT_EQ(ring.points.sizes(), (std::vector<int64_t>{data::kDefaultToyPoints, 2}));
  EXPECT_EQ(ring.centres.size(0), 8);
  EXPECT_DOUBLE_EQ(ring.sigma, 0.02);
  // The data seed is fixed: two loads give the same points.
  EXPECT_TRUE(torch::equal(ring.points, data::load_toy_set("toy-ring8", "").points));

  test::TempDir tmp("toy-source");
  const auto csv = tmp.path() / "points.csv";
  std::ofstream(csv) << "x,y\n1.5,-2\n3,4\n";
  const auto file = data::load_toy_set("toy-file", csv.string());
  EXPECT_TRUE(torch::equal(file.points, f64({1.5, -2, 3, 4}).reshape({2, 2})));
  test::expect_data_error([] { data::load_toy_set("toy-file", ""); }, {"toy-file", "--data-dir"});
  test::expect_data_error([] { data::load_toy_set("toy-ring9", ""); }, {"toy-ring9", "toy-ring8"});
}

// ---- pixel ranges ----------------------------------------------------------------------------

TEST(PixelRange, ZeroOneMapsPixelsByOver255AndBack) {
  const auto u8 = torch::tensor({0, 51, 255}, torch::kUInt8);
  // 0 / 255 = 0, 51 / 255 = 0.2, 255 / 255 = 1; pm1: x / 127.5 - 1 = -1, -0.6, 1.
  EXPECT_TRUE(
      torch::allclose(data::to_training_range(u8, torch::kFloat64, "01"), f64({0, 0.2, 1})));
  EXPECT_TRUE(
      torch::allclose(data::to_training_range(u8, torch::kFloat64, "pm1"), f64({-1, -0.6, 1})));
  EXPECT_THROW(data::to_training_range(u8, torch::kFloat64, "0255"), std::invalid_argument);
  // Back: x * 255 rounded and clamped: 0, 51, 255, 1.3 -> 255, -0.1 -> 0, 0.5 -> 127.5 -> 128.
  EXPECT_TRUE(torch::equal(to_uint8_images(f64({0, 0.2, 1, 1.3, -0.1, 0.5}), "01"),
                           torch::tensor({0, 51, 255, 255, 0, 128}, torch::kUInt8)));
  EXPECT_TRUE(torch::equal(to_uint8_images(f64({-1, -0.6, 1}), "pm1"),
                           torch::tensor({0, 51, 255}, torch::kUInt8)));
  EXPECT_THROW(to_uint8_images(f64({0}), "x"), std::invalid_argument);
}

// ---- the decision field ----------------------------------------------------------------------

TEST(DecisionField, ExtentIsTheBoundingBoxPlusAQuarterOfItsLargerSide) {
  // Box [0, 4] x [0, 2]: larger side 4, margin 1 -> [-1, 5] x [-1, 3].
  const auto e = models::field_extent(f64({0, 0, 4, 2, 1, 1}).reshape({3, 2}));
  EXPECT_DOUBLE_EQ(e.x_min, -1);
  EXPECT_DOUBLE_EQ(e.x_max, 5);
  EXPECT_DOUBLE_EQ(e.y_min, -1);
  EXPECT_DOUBLE_EQ(e.y_max, 3);
  // One point: a box of size 0 gets a margin of 1.
  const auto one = models::field_extent(f64({1, 1}).reshape({1, 2}));
  EXPECT_DOUBLE_EQ(one.x_min, 0);
  EXPECT_DOUBLE_EQ(one.y_max, 2);
}

TEST(DecisionField, HoldsTheCriticAtEachGridPointRowsAlongY) {
  // Critic f(x, y) = x + 10 y on [0, 1] x [0, 2] at resolution 3: x in {0, 0.5, 1}, y in
  // {0, 1, 2}; field[iy][ix] = x_ix + 10 y_iy, e.g. field[1][2] = 11, field[2][0] = 20.
  const models::FieldExtent e{0, 1, 0, 2};
  const auto field = models::decision_field(
      [](const torch::Tensor& p) { return p.select(1, 0) + 10 * p.select(1, 1); }, e,
      torch::TensorOptions().dtype(torch::kFloat32), 3);
  EXPECT_TRUE(torch::allclose(field, f64({0, 0.5, 1, 10, 10.5, 11, 20, 20.5, 21}).reshape({3, 3})));
  EXPECT_EQ(field.scalar_type(), torch::kFloat64);
}

// A critic net with output x - y, and a record of the mode it ran in.
struct DifferenceCritic : models::CriticNet {
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&) override {
    ran_in_training = is_training();
    return (x.select(1, 0) - x.select(1, 1)).unsqueeze(1);
  }
  bool ran_in_training = true;
};

TEST(DecisionField, EvaluatesACriticNetInEvalModeAndRestoresItsMode) {
  DifferenceCritic critic;
  critic.train();
  const auto field = models::decision_field(critic, models::FieldExtent{0, 1, 0, 1},
                                            torch::TensorOptions().dtype(torch::kFloat64), 2);
  // x, y in {0, 1}: field[iy][ix] = x_ix - y_iy = [[0, 1], [-1, 0]].
  EXPECT_TRUE(torch::equal(field, f64({0, 1, -1, 0}).reshape({2, 2})));
  EXPECT_FALSE(critic.ran_in_training);
  EXPECT_TRUE(critic.is_training());
}

// ---- the loop on a points source ---------------------------------------------------------------

// A variant whose "generator" puts every sample on mode 0's centre and whose critic is x - y.
class PointsVariant final : public models::Variant {
 public:
  explicit PointsVariant(torch::Tensor centre) : centre_(std::move(centre)) {}
  const std::vector<std::string>& metric_names() const override { return names_; }
  void discriminator_step(const models::RealBatch& real, const models::StepContext&,
                          models::MetricAccumulator& metrics) override {
    real_batches.push_back(real.images);
    metrics.add("d_loss", torch::tensor(0.0, torch::kFloat64));
  }
  void generator_step(const models::StepContext&, models::MetricAccumulator& metrics) override {
    metrics.add("g_loss", torch::tensor(0.0, torch::kFloat64));
  }
  torch::Tensor sample(const torch::Tensor& z) override {
    return centre_.to(z.dtype()).expand({z.size(0), 2}).clone();
  }
  models::NamedTensors generator_state() override { return {}; }
  void load_generator_state(const models::NamedTensors&) override {}
  std::vector<std::shared_ptr<torch::nn::Module>> networks() override { return {critic_}; }

  std::vector<torch::Tensor> real_batches;

 private:
  torch::Tensor centre_;
  std::shared_ptr<DifferenceCritic> critic_ = std::make_shared<DifferenceCritic>();
  std::vector<std::string> names_{"d_loss", "g_loss"};
};

class PointsObserver final : public LoopObserver {
 public:
  void on_metrics(int64_t, const std::vector<double>&) override {}
  void on_samples(int64_t, const torch::Tensor&) override { ++image_grids; }
  void on_points(int64_t steps_done, const ToyEval& eval) override {
    steps.push_back(steps_done);
    evals.push_back(eval);
  }
  int image_grids = 0;
  std::vector<int64_t> steps;
  std::vector<ToyEval> evals;
};

TEST(ToyLoop, FeedsPointsInTheRunDtypeAndReportsEvaluationPointsInsteadOfGrids) {
  auto set = data::make_toy_set("toy-ring8", 64, 3);
  const auto centre0 = set.centres[0].clone();
  auto source = data::make_toy_source(set, torch::kCPU);
  RunSettings s;
  s.batch = 8;
  s.n_critic = 2;
  s.z_dim = 2;
  s.log_every = 10;
  s.sample_every = 10;
  // 64 points / batch 8 = 8 batches, n_critic 2 -> 4 steps per epoch; 25 steps.
  LoopSetup setup = single_process_setup(s, "toy-loop", 25, torch::kCPU);
  setup.eval_every = 10;
  setup.eval_at_end = true;
  setup.toy_samples = 50;
  PointsVariant variant(centre0);
  PointsObserver observer;
  const auto result = train_loop(variant, *source, setup, observer);
  EXPECT_FALSE(result.diverged);

  ASSERT_EQ(variant.real_batches.size(), 50u);  // 25 steps x 2 critic updates
  EXPECT_EQ(variant.real_batches[0].sizes(), (std::vector<int64_t>{8, 2}));
  EXPECT_EQ(variant.real_batches[0].scalar_type(), torch::kFloat32);  // the run's dtype
  // Every row is one of the set's points (float32 of the float64 points).
  const auto d2 =
      (variant.real_batches[0].to(torch::kFloat64).unsqueeze(1) - set.points.unsqueeze(0))
          .pow(2)
          .sum(2);
  EXPECT_LT(std::get<0>(d2.min(1)).max().item<double>(), 1e-12);

  EXPECT_EQ(observer.image_grids, 0);
  EXPECT_EQ(observer.steps, (std::vector<int64_t>{10, 20, 25}));  // every 10 and the last
  const ToyEval& e = observer.evals.back();
  EXPECT_EQ(e.points.sizes(), (std::vector<int64_t>{50, 2}));
  EXPECT_EQ(e.field.sizes(), (std::vector<int64_t>{100, 100}));
  EXPECT_TRUE(torch::equal(e.centres, set.centres));
  // All 50 samples on centre 0: counts [50, 0, ...], one mode, high quality 1.
  ASSERT_TRUE(e.coverage.has_value());
  EXPECT_EQ(e.coverage->counts[0], 50);
  EXPECT_EQ(e.coverage->modes_covered, 1);
  EXPECT_DOUBLE_EQ(e.coverage->high_quality, 1.0);
  // The field spans the data plus a margin; its corner (x_min, y_min) holds x_min - y_min.
  const auto extent = models::field_extent(set.points);
  EXPECT_DOUBLE_EQ(e.extent.x_min, extent.x_min);
  EXPECT_NEAR(e.field[0][0].item<double>(), extent.x_min - extent.y_min, 1e-5);
}

// ---- the run file's /toy and /eval groups ------------------------------------------------------

template <typename T>
std::vector<T> read_all(hid_t file, const std::string& name, hid_t mem_type,
                        std::vector<hsize_t>* dims = nullptr) {
  h5::Hid ds(H5CALL(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
  h5::Hid space(H5CALL(H5Dget_space(ds), name), H5Sclose);
  if (dims != nullptr) {
    dims->resize(static_cast<size_t>(H5Sget_simple_extent_ndims(space)));
    H5CALL(H5Sget_simple_extent_dims(space, dims->data(), nullptr), name);
  }
  std::vector<T> v(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  if (!v.empty()) H5CALL(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  return v;
}

TEST(ToyRunFile, WritesPointsFieldsCentresExtentAndEvalRows) {
  test::TempDir tmp("toy-run-file");
  const auto path = tmp.path() / "run.h5";
  RunFileWriter writer(path, {}, "", {"d_loss"}, SampleShape{});
  EXPECT_THROW(writer.append_toy(1, {}, {}), std::invalid_argument);  // no layout yet
  writer.set_toy_layout(ToyLayout{3, 2, {2, 0, -2, 0}, {-3, 3, -1, 1}});
  writer.append_toy(100, {0, 1, 2, 3, 4, 5}, {1, 2, 3, 4});
  writer.append_toy(200, {6, 7, 8, 9, 10, 11}, {5, 6, 7, 8});
  EXPECT_THROW(writer.append_toy(300, {0, 1}, {1, 2, 3, 4}), std::invalid_argument);
  writer.append_eval(100, {{"modes_covered", 1}, {"high_quality", 0.5}});
  writer.append_eval(200, {{"modes_covered", 2}, {"high_quality", 0.75}});
  EXPECT_THROW(writer.append_eval(300, {{"high_quality", 1}}), std::invalid_argument);
  writer.commit();

  h5::silence_errors();
  h5::Hid file(H5CALL(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path), H5Fclose);
  std::vector<hsize_t> dims;
  const auto points = read_all<float>(file, "toy/points", H5T_NATIVE_FLOAT, &dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 3, 2}));
  EXPECT_EQ(points, (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  const auto field = read_all<float>(file, "toy/field", H5T_NATIVE_FLOAT, &dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 2, 2}));
  EXPECT_EQ(field, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(read_all<int64_t>(file, "toy/step", H5T_NATIVE_INT64),
            (std::vector<int64_t>{100, 200}));
  EXPECT_EQ(read_all<double>(file, "toy/centres", H5T_NATIVE_DOUBLE, &dims),
            (std::vector<double>{2, 0, -2, 0}));
  EXPECT_EQ(dims, (std::vector<hsize_t>{2, 2}));
  EXPECT_EQ(read_all<double>(file, "toy/field_extent", H5T_NATIVE_DOUBLE),
            (std::vector<double>{-3, 3, -1, 1}));
  EXPECT_EQ(read_all<int64_t>(file, "eval/step", H5T_NATIVE_INT64),
            (std::vector<int64_t>{100, 200}));
  EXPECT_EQ(read_all<double>(file, "eval/modes_covered", H5T_NATIVE_DOUBLE),
            (std::vector<double>{1, 2}));
  EXPECT_EQ(read_all<double>(file, "eval/high_quality", H5T_NATIVE_DOUBLE),
            (std::vector<double>{0.5, 0.75}));
}

TEST(ToyRunFile, ImageRunsHaveNoToyOrEvalGroups) {
  test::TempDir tmp("toy-run-file");
  const auto path = tmp.path() / "run.h5";
  RunFileWriter writer(path, {}, "", {"d_loss"}, SampleShape{1, 1, 1, 1});
  writer.commit();
  h5::silence_errors();
  h5::Hid file(H5CALL(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), path), H5Fclose);
  EXPECT_EQ(H5Lexists(file, "toy", H5P_DEFAULT), 0);
  EXPECT_EQ(H5Lexists(file, "eval", H5P_DEFAULT), 0);
}

}  // namespace
}  // namespace ganrun
