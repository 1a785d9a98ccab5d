// tests/unit/batch_source_test.cpp — the two batch sources on a small synthetic pack: same rows
// for the same indices, the on-demand source reads only the rows asked for, the budget switch.
// BatchSourcesGpu needs a CUDA device: ctest runs it as gpu_batch_source_test (label gpu).
#include "data/batch_source.h"

#include <gtest/gtest.h>
#include <torch/cuda.h>  // torch::cuda::is_available
#include <unistd.h>      // getpid

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/hdf5_pack.h"  // write_pack

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// 600 images of 1x4x5 (2.3 chunks of kPackChunkRows = 256 rows): pixel p of image i is
// (7i + p) mod 256, label i mod 10, so every row differs from its neighbours.
Dataset synthetic_set(int64_t n = 600) {
  Dataset d;
  d.name = "synthetic";
  d.split = "train";
  const auto i = torch::arange(n, torch::kInt64).view({n, 1, 1, 1});
  const auto p = torch::arange(20, torch::kInt64).view({1, 1, 4, 5});
  d.images = ((i * 7 + p) % 256).to(torch::kUInt8);
  d.labels = torch::arange(n, torch::kInt64) % 10;
  for (int c = 0; c < 10; ++c) d.class_names.push_back("class" + std::to_string(c));
  return d;
}

torch::Tensor idx(std::vector<int64_t> v) { return torch::tensor(v, torch::kInt64); }

class BatchSources : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / ("ganrun-batch-source-test-" + std::to_string(getpid()) +
                                        "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    set_ = synthetic_set();
    pack_ = dir_ / "synthetic.h5";
    write_pack(set_, "synthetic (batch_source_test)", pack_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_, pack_;
  Dataset set_;
};

TEST_F(BatchSources, BothSourcesReturnTheSameRowsInTheOrderAsked) {
  auto memory = make_in_memory_source(set_, torch::kCPU);
  auto pack = make_pack_source(pack_);
  for (auto* s : {memory.get(), pack.get()}) {
    EXPECT_EQ(s->size(), 600);
    EXPECT_EQ(s->channels(), 1);
    EXPECT_EQ(s->height(), 4);
    EXPECT_EQ(s->width(), 5);
  }
  // Unsorted, across chunk boundaries (rows 255/256, 511/512), first and last rows.
  const auto rows = idx({599, 0, 257, 3, 255, 256, 512, 511, 42});
  const auto want_images = set_.images.index_select(0, rows);
  const auto want_labels = set_.labels.index_select(0, rows);
  for (auto* s : {memory.get(), pack.get()}) {
    const auto images = s->images(rows, torch::kCPU);
    const auto labels = s->labels(rows, torch::kCPU);
    EXPECT_EQ(images.scalar_type(), torch::kUInt8);
    EXPECT_EQ(images.sizes(), (std::vector<int64_t>{9, 1, 4, 5}));
    EXPECT_EQ(labels.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(images, want_images));
    EXPECT_TRUE(torch::equal(labels, want_labels));
  }
  // Duplicates are allowed (the header's contract) and come back in place.
  const auto dup = idx({5, 5, 300});
  EXPECT_TRUE(torch::equal(pack->images(dup, torch::kCPU), memory->images(dup, torch::kCPU)));
  // An empty request is an empty batch.
  EXPECT_EQ(pack->images(idx({}), torch::kCPU).size(0), 0);
  EXPECT_EQ(memory->images(idx({}), torch::kCPU).size(0), 0);
}

TEST_F(BatchSources, OnDemandSourceReadsOnlyTheRequestedRows) {
  auto pack = make_pack_source(pack_);
  EXPECT_EQ(pack->rows_read(), 0);  // opening reads the header only
  pack->images(idx({5, 260, 17}), torch::kCPU);
  EXPECT_EQ(pack->rows_read(), 3);
  pack->images(idx({599, 0, 1, 2}), torch::kCPU);
  EXPECT_EQ(pack->rows_read(), 3 + 4);
  pack->labels(idx({10, 11}), torch::kCPU);  // labels are not image rows
  EXPECT_EQ(pack->rows_read(), 7);

  auto memory = make_in_memory_source(set_, torch::kCPU);
  memory->images(idx({5, 260, 17}), torch::kCPU);
  EXPECT_EQ(memory->rows_read(), 0);  // everything was read when it was built
}

TEST_F(BatchSources, OpenPackSourceHoldsTheSetInMemoryExactlyWhenItFitsTheBudget) {
  // 600 * 1 * 4 * 5 = 12,000 image bytes.
  auto fits = open_pack_source(pack_, 12000, torch::kCPU);
  auto too_big = open_pack_source(pack_, 11999, torch::kCPU);
  const auto rows = idx({1, 400, 77});
  const auto a = fits->images(rows, torch::kCPU);
  const auto b = too_big->images(rows, torch::kCPU);
  EXPECT_EQ(fits->rows_read(), 0);     // in memory: no reads per batch
  EXPECT_EQ(too_big->rows_read(), 3);  // on demand: the 3 rows asked for
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_TRUE(torch::equal(a, set_.images.index_select(0, rows)));
  EXPECT_TRUE(torch::equal(fits->labels(rows, torch::kCPU), too_big->labels(rows, torch::kCPU)));
  EXPECT_EQ(open_pack_source(pack_, kDefaultMemoryBudgetBytes, torch::kCPU)->size(), 600);
}

TEST_F(BatchSources, RejectsIndicesOutsideTheSet) {
  auto memory = make_in_memory_source(set_, torch::kCPU);
  auto pack = make_pack_source(pack_);
  for (auto* s : {memory.get(), pack.get()}) {
    EXPECT_THROW(s->images(idx({0, 600}), torch::kCPU), std::out_of_range);
    EXPECT_THROW(s->images(idx({-1}), torch::kCPU), std::out_of_range);
    EXPECT_THROW(s->labels(idx({600}), torch::kCPU), std::out_of_range);
    EXPECT_THROW(s->images(torch::zeros({2}, torch::kInt32), torch::kCPU), std::invalid_argument);
  }
}

// The same fixture; the suite's name puts it in the gpu test (tests/CMakeLists.txt).
class BatchSourcesGpu : public BatchSources {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device visible to LibTorch";
    BatchSources::SetUp();
  }
};

TEST_F(BatchSourcesGpu, InMemorySourceLivesOnTheDeviceAndGathersThere) {
  const torch::Device cuda(torch::kCUDA, 0);
  auto memory = make_in_memory_source(set_, cuda);
  auto pack = make_pack_source(pack_);
  const auto rows = idx({9, 599, 256});
  const auto on_device = memory->images(rows, cuda);
  EXPECT_TRUE(on_device.is_cuda());
  EXPECT_TRUE(pack->images(rows, cuda).is_cuda());
  EXPECT_TRUE(torch::equal(on_device.cpu(), set_.images.index_select(0, rows)));
  EXPECT_TRUE(torch::equal(memory->labels(rows, cuda).cpu(), set_.labels.index_select(0, rows)));
}

}  // namespace
}  // namespace ganrun::data
