// tests/unit/cifar_reader_test.cpp — the CIFAR-10 binary reader on the real subset in
// ../shared/data, the record layout on synthetic batches, a table of corrupted folders (each a
// DataError naming the file and the fault), and load_dataset's cifar10 entry.
#include "data/cifar_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <algorithm>  // std::find
#include <cstdint>
#include <cstdlib>  // setenv, unsetenv, getenv
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "tests/unit/test_paths.h"
#include "tests/unit/test_support.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

const fs::path kCifarRoot = fs::path(ganrun::test::shared_data_dir()) / "cifar10";
const fs::path kCifarDir = kCifarRoot / "cifar-10-batches-bin";
constexpr size_t kRecord = 3073;  // 1 label byte + 3072 pixel bytes

std::string cifar_skip_message() {
  return "CIFAR-10 subset not found at " + kCifarDir.string() +
         "; set GANRUN_SHARED_DATA (ctest passes the CMake option of that name) to the folder "
         "holding cifar10/cifar-10-batches-bin";
}

const std::vector<std::string> kOfficialNames = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

// A fresh folder under the system temp dir, removed with the object.
// A folder per test, removed at scope exit (tests/unit/test_support.h).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("cifar") {}
};
using test::expect_data_error;

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// n synthetic records, numbered from `first`: label (first + r) % 10, pixel byte j of record r
// (j = c*1024 + y*32 + x) = (7 * (first + r) + j) % 251, so every byte says where it belongs.
Bytes synthetic_records(int64_t n, int64_t first = 0) {
  Bytes b(static_cast<size_t>(n) * kRecord);
  for (int64_t r = 0; r < n; ++r) {
    uint8_t* rec = b.data() + static_cast<size_t>(r) * kRecord;
    rec[0] = static_cast<uint8_t>((first + r) % 10);
    for (int64_t j = 0; j < 3072; ++j)
      rec[1 + j] = static_cast<uint8_t>((7 * (first + r) + j) % 251);
  }
  return b;
}

std::string official_meta() {
  std::string s;
  for (const auto& n : kOfficialNames) s += n + "\n";
  return s;
}

int64_t sum_of(const torch::Tensor& t) { return t.sum(torch::kInt64).item<int64_t>(); }

// ---- the real subset -----------------------------------------------------------------------
// Expected values computed independently with Python + NumPy from the files:
//   a = np.fromfile('data_batch_1.bin', np.uint8).reshape(-1, 3073)
//   y = a[:, 0]; x = a[:, 1:].reshape(-1, 3, 32, 32)
//   y[:10] -> [9 3 7 0 9 7 7 9 6 5]; y[-1] -> 6; np.bincount(y) -> [1000] * 10
//   x.sum(dtype=np.int64) -> 3717219661; x[0].sum() -> 398583; x[-1].sum() -> 372124
//   x[0].sum(axis=(1, 2)) -> [141964 136602 120017]; x[0, 0, 0, :4] -> [61 62 64 55]
//   x[0, 2, 31, 28:] -> [164 148 166 174]
// and the same for test_batch.bin (its labels happen to start the same way):
//   y[:10] -> [9 3 7 0 9 7 7 9 6 5]; y[-1] -> 6; np.bincount(y) -> [1000] * 10
//   x.sum(dtype=np.int64) -> 3732740007; x[0].sum() -> 243791; x[-1].sum() -> 341337
//   x[0].sum(axis=(1, 2)) -> [80237 88922 74632]; x[0, 0, 0, :4] -> [58 77 53 62]
//   x[0, 2, 31, 28:] -> [138 142 146 137]
struct RealExpect {
  const char* split;
  int64_t total, first_sum, last_sum;
  std::vector<int64_t> first_channel_sums, first_red_row0, first_blue_row31_tail;
};

void check_real(const Dataset& ds, const RealExpect& e) {
  EXPECT_EQ(ds.name, "cifar10");
  EXPECT_EQ(ds.split, e.split);
  ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{10000, 3, 32, 32}));
  ASSERT_EQ(ds.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(ds.labels.sizes(), (std::vector<int64_t>{10000}));
  ASSERT_EQ(ds.labels.scalar_type(), torch::kInt64);
  const std::vector<int64_t> first10 = {9, 3, 7, 0, 9, 7, 7, 9, 6, 5};
  EXPECT_TRUE(torch::equal(ds.labels.slice(0, 0, 10), torch::tensor(first10)));
  EXPECT_EQ(ds.labels[-1].item<int64_t>(), 6);
  // 1,000 per class (data README), so the histogram is flat.
  EXPECT_TRUE(torch::equal(torch::bincount(ds.labels), torch::full({10}, 1000, torch::kInt64)));
  EXPECT_EQ(sum_of(ds.images), e.total);
  EXPECT_EQ(sum_of(ds.images[0]), e.first_sum);
  EXPECT_EQ(sum_of(ds.images[-1]), e.last_sum);
  for (int64_t c = 0; c < 3; ++c)
    EXPECT_EQ(sum_of(ds.images[0][c]), e.first_channel_sums[static_cast<size_t>(c)]) << c;
  EXPECT_TRUE(torch::equal(ds.images[0][0][0].slice(0, 0, 4).to(torch::kInt64),
                           torch::tensor(e.first_red_row0)));
  EXPECT_TRUE(torch::equal(ds.images[0][2][31].slice(0, 28, 32).to(torch::kInt64),
                           torch::tensor(e.first_blue_row31_tail)));
  EXPECT_EQ(ds.class_names, kOfficialNames);  // batches.meta.txt holds the official order
}

TEST(CifarReader, ReadsRealTrainSubset) {
  if (!fs::exists(kCifarDir)) GTEST_SKIP() << cifar_skip_message();
  check_real(read_cifar10(kCifarDir, "train"), {"train",
                                                3717219661,
                                                398583,
                                                372124,
                                                {141964, 136602, 120017},
                                                {61, 62, 64, 55},
                                                {164, 148, 166, 174}});
}

TEST(CifarReader, ReadsRealTestBatch) {
  if (!fs::exists(kCifarDir)) GTEST_SKIP() << cifar_skip_message();
  check_real(read_cifar10(kCifarDir, "test"), {"test",
                                               3732740007,
                                               243791,
                                               341337,
                                               {80237, 88922, 74632},
                                               {58, 77, 53, 62},
                                               {138, 142, 146, 137}});
}

TEST(CifarReader, ReadsClassNamesFromMetaFile) {
  if (!fs::exists(kCifarDir)) GTEST_SKIP() << cifar_skip_message();
  EXPECT_EQ(read_cifar10_class_names(kCifarDir / "batches.meta.txt"), kOfficialNames);
}

// ---- layout on synthetic batches -----------------------------------------------------------

TEST(CifarReader, RecordLayoutIsLabelThenRedGreenBluePlanes) {
  TempDir tmp;
  const Bytes bytes = synthetic_records(3);
  write_bytes(tmp.path() / "test_batch.bin", bytes);
  const Dataset ds = read_cifar10(tmp.path(), "test");
  ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  auto img = ds.images.accessor<uint8_t, 4>();
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_EQ(ds.labels[r].item<int64_t>(), r % 10);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 32; ++y)
        for (int64_t x = 0; x < 32; ++x)
          ASSERT_EQ(img[r][c][y][x], bytes[static_cast<size_t>(r) * kRecord + 1 +
                                           static_cast<size_t>(c * 1024 + y * 32 + x)])
              << r << " " << c << " " << y << " " << x;
  }
}

TEST(CifarReader, ConcatenatesPresentTrainBatchesInOrder) {
  TempDir tmp;
  // Batches 1 and 3 only (any subset may be present): 20 + 30 records, batch 1 first.
  write_bytes(tmp.path() / "data_batch_3.bin", synthetic_records(30, 20));
  write_bytes(tmp.path() / "data_batch_1.bin", synthetic_records(20, 0));
  write_text(tmp.path() / "batches.meta.txt", official_meta());
  const Dataset ds = read_cifar10(tmp.path(), "train");
  ASSERT_EQ(ds.size(), 50);
  EXPECT_TRUE(torch::equal(ds.labels, torch::arange(50, torch::kInt64).remainder(10)));
  // Record i's first pixel byte is (7 * i) % 251, i counting across both files.
  EXPECT_TRUE(torch::equal(ds.images.select(1, 0).select(1, 0).select(1, 0).to(torch::kInt64),
                           torch::arange(50, torch::kInt64).mul(7).remainder(251)));
}

TEST(CifarReader, MissingMetaFileMeansOfficialNames) {
  TempDir tmp;
  write_bytes(tmp.path() / "test_batch.bin", synthetic_records(2));
  EXPECT_EQ(read_cifar10(tmp.path(), "test").class_names, kOfficialNames);
}

TEST(CifarReader, MetaFileIgnoresBlankLinesAndCarriageReturns) {
  TempDir tmp;
  std::string meta;
  for (const auto& n : kOfficialNames) meta += n + "\r\n";
  write_text(tmp.path() / "batches.meta.txt", meta + "\n\n");
  EXPECT_EQ(read_cifar10_class_names(tmp.path() / "batches.meta.txt"), kOfficialNames);
}

// ---- corrupted folders ---------------------------------------------------------------------

struct CorruptCase {
  const char* name;
  const char* split;
  std::function<void(const fs::path&)> make;
  std::function<std::vector<std::string>(const fs::path&)> expect;
};

std::vector<CorruptCase> corrupt_cases() {
  return {
      {"LengthNotMultipleOfRecord", "train",
       [](const fs::path& d) {
         Bytes b = synthetic_records(20);
         b.push_back(0);
         write_bytes(d / "data_batch_1.bin", b);
       },
       [](const fs::path&) {
         // 20 records * 3073 + 1 = 61461
         return std::vector<std::string>{"data_batch_1.bin: length 61461 is not a multiple of 3073",
                                         "1 label byte + 3072 pixel bytes"};
       }},
      {"EmptyBatch", "test", [](const fs::path& d) { write_bytes(d / "test_batch.bin", {}); },
       [](const fs::path&) { return std::vector<std::string>{"test_batch.bin: length 0"}; }},
      {"LabelOutOfRange", "train",
       [](const fs::path& d) {
         Bytes b = synthetic_records(20);
         b[5 * kRecord] = 10;  // record 5's label byte
         write_bytes(d / "data_batch_1.bin", b);
       },
       [](const fs::path&) {
         return std::vector<std::string>{"data_batch_1.bin", "label 10 at index 5", "outside 0..9"};
       }},
      {"LabelOutOfRangeInSecondBatch", "train",
       [](const fs::path& d) {
         write_bytes(d / "data_batch_1.bin", synthetic_records(4));
         Bytes b = synthetic_records(4);
         b[3 * kRecord] = 255;
         write_bytes(d / "data_batch_2.bin", b);
       },
       [](const fs::path&) {
         return std::vector<std::string>{"data_batch_2.bin", "label 255 at index 3"};
       }},
      {"MissingTestBatch", "test",
       [](const fs::path& d) { write_bytes(d / "data_batch_1.bin", synthetic_records(2)); },
       [](const fs::path& d) {
         return std::vector<std::string>{"no CIFAR-10 test batch in " + d.string(),
                                         "test_batch.bin"};
       }},
      {"MissingTrainBatches", "train",
       [](const fs::path& d) { write_bytes(d / "test_batch.bin", synthetic_records(2)); },
       [](const fs::path& d) {
         return std::vector<std::string>{"no CIFAR-10 batches in " + d.string() +
                                         " (looked for data_batch_1.bin .. data_batch_5.bin)"};
       }},
      {"MetaFileWithNineNames", "test",
       [](const fs::path& d) {
         write_bytes(d / "test_batch.bin", synthetic_records(2));
         std::string meta = official_meta();
         meta.erase(meta.rfind("truck"));
         write_text(d / "batches.meta.txt", meta);
       },
       [](const fs::path&) {
         return std::vector<std::string>{"batches.meta.txt: 9 class names, expected 10"};
       }},
      {"MetaFileWithElevenNames", "test",
       [](const fs::path& d) {
         write_bytes(d / "test_batch.bin", synthetic_records(2));
         write_text(d / "batches.meta.txt", official_meta() + "zebra\n");
       },
       [](const fs::path&) {
         return std::vector<std::string>{"batches.meta.txt: 11 class names, expected 10"};
       }},
      {"UnknownSplit", "validation",
       [](const fs::path& d) { write_bytes(d / "test_batch.bin", synthetic_records(2)); },
       [](const fs::path&) {
         return std::vector<std::string>{"unknown split 'validation'", "train or test"};
       }},
  };
}

class CifarCorruptFolder : public testing::TestWithParam<CorruptCase> {};

TEST_P(CifarCorruptFolder, ThrowsDataErrorNamingFileAndFault) {
  const CorruptCase& c = GetParam();
  TempDir tmp;
  c.make(tmp.path());
  if (HasFatalFailure()) return;
  expect_data_error([&] { read_cifar10(tmp.path(), c.split); }, c.expect(tmp.path()));
}

INSTANTIATE_TEST_SUITE_P(Cifar, CifarCorruptFolder, testing::ValuesIn(corrupt_cases()),
                         [](const testing::TestParamInfo<CorruptCase>& info) {
                           return std::string(info.param.name);
                         });

// ---- load_dataset("cifar10", ...) ----------------------------------------------------------

using test::ScopedDataEnv;

TEST(CifarLoader, KnownNamesIncludeCifar10) {
  const auto& names = known_dataset_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "cifar10"), names.end());
}

TEST(CifarLoader, LoadsFromBatchFolder) {
  if (!fs::exists(kCifarDir)) GTEST_SKIP() << cifar_skip_message();
  const Dataset ds = load_dataset("cifar10", kCifarDir.string(), "test");
  EXPECT_EQ(ds.name, "cifar10");
  EXPECT_EQ(ds.split, "test");
  EXPECT_EQ(ds.size(), 10000);
  EXPECT_EQ(ds.class_names, kOfficialNames);
}

TEST(CifarLoader, FindsTarballSubfolderUnderGanrunData) {
  if (!fs::exists(kCifarDir)) GTEST_SKIP() << cifar_skip_message();
  // $GANRUN_DATA/cifar10 holds cifar-10-batches-bin/, as the official tarball unpacks.
  ScopedDataEnv env(kCifarRoot.parent_path().string());
  const Dataset ds = load_dataset("cifar10", "", "train");
  EXPECT_EQ(ds.size(), 10000);
  EXPECT_EQ(ds.split, "train");
}

TEST(CifarLoader, WithoutDirAsksForDataDir) {
  ScopedDataEnv env(std::nullopt);
  expect_data_error([] { load_dataset("cifar10", "", "train"); },
                    {"'cifar10'", "--data-dir", "data_batch_1.bin", "GANRUN_DATA"});
}

TEST(CifarLoader, MissingFolderNamesIt) {
  expect_data_error(
      [] { load_dataset("cifar10", "/nonexistent/ganrun-cifar", "train"); },
      {"data folder '/nonexistent/ganrun-cifar' not found", "--data-dir", "CIFAR-10"});
}

}  // namespace
}  // namespace ganrun::data
