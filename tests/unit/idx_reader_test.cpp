// tests/unit/idx_reader_test.cpp — the IDX reader on the real MNIST test set and Fashion-MNIST,
// raw vs gzip files, a table of corrupted copies (each a DataError naming the file and the
// fault), and the data set loader (names, folders, GANRUN_DATA) with the training-range map.
#include "data/idx_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>  // getpid
#include <zlib.h>    // gzopen, gzread, gzwrite: the tests make their own gzip/raw copies

#include <array>
#include <cstdint>
#include <cstdlib>  // setenv, unsetenv, getenv
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
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

const fs::path kMnistDir = fs::path(ganrun::test::shared_data_dir()) / "mnist";
const fs::path kFashionDir = ganrun::test::fashion_mnist_dir();

std::string mnist_skip_message() {
  return "MNIST test set not found at " + kMnistDir.string() +
         "; set GANRUN_SHARED_DATA (ctest passes the CMake option of that name) to the folder "
         "holding mnist/t10k-*-ubyte.gz";
}
std::string fashion_skip_message() {
  return "Fashion-MNIST not found at " + kFashionDir.string() +
         "; apt-get install dataset-fashion-mnist or configure with -DGANRUN_FASHION_MNIST=<dir>";
}

Bytes gunzip(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("test: cannot open " + path.string());
  Bytes out;
  std::array<uint8_t, 1 << 16> buf{};
  int n = 0;
  while ((n = gzread(f, buf.data(), buf.size())) > 0)
    out.insert(out.end(), buf.data(), buf.data() + n);
  gzclose(f);
  if (n < 0) throw std::runtime_error("test: gzread failed on " + path.string());
  return out;
}

void write_raw(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void write_gz(const fs::path& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb1");  // level 1: the tests write ~8 MB per case
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void put_be32(Bytes& b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

// A fresh folder under the system temp dir, removed with the object.
// A folder per test, removed at scope exit (tests/unit/test_support.h).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("idx") {}
};
using test::expect_data_error;

// ---- the real MNIST test set -----------------------------------------------------------------
// Expected values computed independently with Python + NumPy from the original gzip files:
//   img = gzip.open('t10k-images-idx3-ubyte.gz').read(); lab = gzip.open('t10k-labels-...').read()
//   x = np.frombuffer(img, np.uint8, offset=16).reshape(-1, 28, 28)
//   y = np.frombuffer(lab, np.uint8, offset=8)
//   y[:10] -> [7 2 1 0 4 1 4 9 5 9]; y[-1] -> 6; np.bincount(y) -> the histogram below
//   x.sum(dtype=np.int64) -> 264923200; x[0].sum() -> 18454; x[-1].sum() -> 41833
TEST(IdxReader, ReadsRealMnistTestSet) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  const Dataset ds = read_idx_pair(kMnistDir, "t10k");
  EXPECT_EQ(ds.split, "test");
  EXPECT_EQ(ds.name, "mnist");  // the folder's name
  ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(ds.images.scalar_type(), torch::kUInt8);
  ASSERT_EQ(ds.labels.sizes(), (std::vector<int64_t>{10000}));
  EXPECT_EQ(ds.labels.scalar_type(), torch::kInt64);
  EXPECT_EQ(ds.size(), 10000);
  EXPECT_EQ(ds.channels(), 1);

  auto lab = ds.labels.accessor<int64_t, 1>();
  const std::array<int64_t, 10> first = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(lab[i], first[i]) << "label " << i;
  EXPECT_EQ(lab[9999], 6);
  std::array<int64_t, 10> hist{};
  for (int64_t i = 0; i < lab.size(0); ++i) ++hist[lab[i]];
  EXPECT_EQ(hist, (std::array<int64_t, 10>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));

  EXPECT_EQ(ds.images.sum().item<int64_t>(), 264923200);
  EXPECT_EQ(ds.images[0].sum().item<int64_t>(), 18454);
  EXPECT_EQ(ds.images[9999].sum().item<int64_t>(), 41833);
}

// Fashion-MNIST from the Debian package. Expected values computed the same way with NumPy:
//   train: 60000 images, y[:5] = [9 0 0 3 0], 6000 per class, pixel sum 3431114169
//   t10k:  10000 images, y[:5] = [9 2 1 1 6], 1000 per class, pixel sum 573469082
TEST(IdxReader, ReadsFashionMnistTrainAndTest) {
  if (!fs::exists(kFashionDir)) GTEST_SKIP() << fashion_skip_message();
  struct Expect {
    const char* prefix;
    const char* split;
    int64_t n;
    std::array<int64_t, 5> first;
    int64_t pixel_sum;
  };
  for (const Expect& e : {Expect{"train", "train", 60000, {9, 0, 0, 3, 0}, 3431114169},
                          Expect{"t10k", "test", 10000, {9, 2, 1, 1, 6}, 573469082}}) {
    SCOPED_TRACE(e.prefix);
    const Dataset ds = read_idx_pair(kFashionDir, e.prefix);
    EXPECT_EQ(ds.split, e.split);
    ASSERT_EQ(ds.images.sizes(), (std::vector<int64_t>{e.n, 1, 28, 28}));
    ASSERT_EQ(ds.labels.size(0), e.n);
    auto lab = ds.labels.accessor<int64_t, 1>();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(lab[i], e.first[i]);
    std::array<int64_t, 10> hist{};
    for (int64_t i = 0; i < e.n; ++i) ++hist[lab[i]];
    for (int64_t c : hist) EXPECT_EQ(c, e.n / 10);
    EXPECT_EQ(ds.images.sum().item<int64_t>(), e.pixel_sum);
  }
}

TEST(IdxReader, RawFilesReadLikeGzip) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  TempDir tmp;
  write_raw(tmp.path() / "t10k-images-idx3-ubyte", gunzip(kMnistDir / "t10k-images-idx3-ubyte.gz"));
  write_raw(tmp.path() / "t10k-labels-idx1-ubyte", gunzip(kMnistDir / "t10k-labels-idx1-ubyte.gz"));
  const Dataset gz = read_idx_pair(kMnistDir, "t10k");
  const Dataset raw = read_idx_pair(tmp.path(), "t10k");
  EXPECT_TRUE(torch::equal(gz.images, raw.images));
  EXPECT_TRUE(torch::equal(gz.labels, raw.labels));
  EXPECT_EQ(raw.split, "test");
}

// ---- corrupted copies ------------------------------------------------------------------------
// The base pair is the real MNIST test set when present (decompressed), else a small synthetic
// pair, so the table runs everywhere. Each case writes files named t10k-* into a temp dir.
struct BasePair {
  Bytes images, labels;
  uint32_t n = 0;
};

const BasePair& base_pair() {
  static const BasePair base = [] {
    BasePair b;
    if (fs::exists(kMnistDir)) {
      b.images = gunzip(kMnistDir / "t10k-images-idx3-ubyte.gz");
      b.labels = gunzip(kMnistDir / "t10k-labels-idx1-ubyte.gz");
      b.n = 10000;
    } else {
      b.n = 50;
      b.images.assign(16 + size_t{b.n} * 784, 0);
      put_be32(b.images, 0, 0x803), put_be32(b.images, 4, b.n);
      put_be32(b.images, 8, 28), put_be32(b.images, 12, 28);
      for (size_t i = 16; i < b.images.size(); ++i) b.images[i] = static_cast<uint8_t>(i * 7);
      b.labels.assign(8 + size_t{b.n}, 0);
      put_be32(b.labels, 0, 0x801), put_be32(b.labels, 4, b.n);
      for (uint32_t i = 0; i < b.n; ++i) b.labels[8 + i] = static_cast<uint8_t>(i % 10);
    }
    return b;
  }();
  return base;
}

struct CorruptCase {
  const char* name;
  std::function<void(const fs::path& dir, const BasePair& base)> make;  // writes the files
  std::function<std::vector<std::string>(int64_t n)> expect;            // message parts, given N
};

void PrintTo(const CorruptCase& c, std::ostream* os) { *os << c.name; }

const fs::path kImgGz = "t10k-images-idx3-ubyte.gz";
const fs::path kLabGz = "t10k-labels-idx1-ubyte.gz";
const fs::path kImgRaw = "t10k-images-idx3-ubyte";

// Writes the base pair as gzip, with `edit_images` / `edit_labels` applied first.
void write_pair(const fs::path& dir, const BasePair& base,
                const std::function<void(Bytes&)>& edit_images,
                const std::function<void(Bytes&)>& edit_labels) {
  Bytes img = base.images, lab = base.labels;
  if (edit_images) edit_images(img);
  if (edit_labels) edit_labels(lab);
  write_gz(dir / kImgGz, img);
  write_gz(dir / kLabGz, lab);
}

const std::vector<CorruptCase>& corrupt_cases() {
  static const std::vector<CorruptCase> cases = {
      {"WrongMagic",
       [](const fs::path& d, const BasePair& b) {
         write_pair(
             d, b, [](Bytes& x) { put_be32(x, 0, 0); }, nullptr);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz: bad magic number 0x00000000",
                                         "(expected 0x00000803 for IDX images)"};
       }},
      {"WrongDimensionCount",
       [](const fs::path& d, const BasePair& b) {
         write_pair(
             d, b, [](Bytes& x) { x[3] = 2; }, nullptr);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "declares 2 dimensions",
                                         "expected 0x00000803"};
       }},
      {"LabelsMagicOfImages",
       [](const fs::path& d, const BasePair& b) {
         write_pair(d, b, nullptr, [](Bytes& x) { put_be32(x, 0, 0x803); });
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-labels-idx1-ubyte.gz", "declares 3 dimensions",
                                         "expected 0x00000801 for IDX labels"};
       }},
      {"ZeroRows",
       [](const fs::path& d, const BasePair& b) {
         write_pair(
             d, b, [](Bytes& x) { put_be32(x, 8, 0); }, nullptr);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "images of 0x28",
                                         "at least 1"};
       }},
      {"HeaderShorterThanIdxHeader",
       [](const fs::path& d, const BasePair& b) {
         write_pair(
             d, b, [](Bytes& x) { x.resize(10); }, nullptr);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "truncated: 10 bytes",
                                         "16-byte IDX images header"};
       }},
      {"GzipStreamCutAtHalf",
       [](const fs::path& d, const BasePair& b) {
         write_pair(d, b, nullptr, nullptr);
         Bytes gz = read_file(d / kImgGz);
         gz.resize(gz.size() / 2);
         write_raw(d / kImgGz, gz);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz",
                                         "corrupt or truncated gzip data"};
       }},
      {"GarbageAfterGzipHeader",
       [](const fs::path& d, const BasePair& b) {
         write_pair(d, b, nullptr, nullptr);
         // A valid 10-byte gzip member header (deflate, no flags, OS unix), then 0xFF bytes:
         // the first deflate block then claims the reserved block type 3.
         Bytes gz = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03};
         gz.resize(4096, 0xff);
         write_raw(d / kImgGz, gz);
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz",
                                         "corrupt or truncated gzip data"};
       }},
      {"HeaderCountLargerThanData",  // raw file: the size check does not depend on gzip
       [](const fs::path& d, const BasePair& b) {
         Bytes img = b.images;
         put_be32(img, 4, b.n + 1);
         write_raw(d / kImgRaw, img);
         write_gz(d / kLabGz, b.labels);
       },
       [](int64_t n) {
         return std::vector<std::string>{
             "t10k-images-idx3-ubyte: truncated: header says " + std::to_string(n + 1) +
             " images of 28x28, file holds " + std::to_string(n * 784) +
             " bytes of pixel data (expected " + std::to_string((n + 1) * 784) + ")"};
       }},
      {"TrailingBytes",
       [](const fs::path& d, const BasePair& b) {
         write_pair(
             d, b, [](Bytes& x) { x.insert(x.end(), 5, 0); }, nullptr);
       },
       [](int64_t n) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz", "5 extra bytes",
                                         "expected " + std::to_string(n * 784)};
       }},
      {"LabelFlippedToTen",
       [](const fs::path& d, const BasePair& b) {
         write_pair(d, b, nullptr, [](Bytes& x) { x[8 + 5] = 10; });
       },
       [](int64_t) {
         return std::vector<std::string>{"t10k-labels-idx1-ubyte.gz", "label 10 at index 5",
                                         "outside 0..9"};
       }},
      {"ImageAndLabelCountsDiffer",
       [](const fs::path& d, const BasePair& b) {
         write_pair(d, b, nullptr, [&b](Bytes& x) {
           put_be32(x, 4, b.n - 1);
           x.pop_back();
         });
       },
       [](int64_t n) {
         return std::vector<std::string>{
             "t10k-images-idx3-ubyte.gz holds " + std::to_string(n) + " images",
             "t10k-labels-idx1-ubyte.gz holds " + std::to_string(n - 1) + " labels",
             "expected equal counts"};
       }},
      {"MissingLabelsFile",
       [](const fs::path& d, const BasePair& b) { write_gz(d / kImgGz, b.images); },
       [](int64_t) {
         return std::vector<std::string>{"t10k-images-idx3-ubyte.gz",
                                         "companion labels file missing",
                                         "t10k-labels-idx1-ubyte.gz"};
       }},
      {"MissingImagesFile",
       [](const fs::path& d, const BasePair& b) { write_gz(d / kLabGz, b.labels); },
       [](int64_t) {
         return std::vector<std::string>{"no MNIST-style images file in",
                                         "looked for t10k-images-idx3-ubyte.gz"};
       }},
  };
  return cases;
}

class IdxCorruptFile : public testing::TestWithParam<CorruptCase> {};

TEST_P(IdxCorruptFile, ThrowsDataErrorNamingFileAndFault) {
  const CorruptCase& c = GetParam();
  const BasePair& base = base_pair();
  TempDir tmp;
  c.make(tmp.path(), base);
  if (HasFatalFailure()) return;
  std::vector<std::string> parts = c.expect(base.n);
  if (std::string(c.name) == "MissingImagesFile") parts.push_back(tmp.path().string());
  expect_data_error([&] { read_idx_pair(tmp.path(), "t10k"); }, parts);
}

INSTANTIATE_TEST_SUITE_P(Idx, IdxCorruptFile, testing::ValuesIn(corrupt_cases()),
                         [](const testing::TestParamInfo<CorruptCase>& info) {
                           return std::string(info.param.name);
                         });

// ---- load_dataset ----------------------------------------------------------------------------

using test::ScopedDataEnv;

TEST(DatasetLoader, LoadsMnistTestFromDataDir) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  const Dataset ds = load_dataset("mnist", kMnistDir.string(), "test");
  EXPECT_EQ(ds.name, "mnist");
  EXPECT_EQ(ds.split, "test");
  EXPECT_EQ(ds.size(), 10000);
}

TEST(DatasetLoader, UsesGanrunDataEnvWhenNoDirGiven) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  ScopedDataEnv env(kMnistDir.parent_path().string());  // $GANRUN_DATA/mnist
  EXPECT_EQ(load_dataset("mnist", "", "test").size(), 10000);
}

TEST(DatasetLoader, FashionMnistDefaultsToDebianPackage) {
  if (!fs::exists("/usr/share/datasets/fashion-mnist")) GTEST_SKIP() << fashion_skip_message();
  ScopedDataEnv env(std::nullopt);
  const Dataset ds = load_dataset("fashion-mnist", "", "test");
  EXPECT_EQ(ds.name, "fashion-mnist");
  EXPECT_EQ(ds.size(), 10000);
}

TEST(DatasetLoader, MnistWithoutDirAsksForDataDir) {
  ScopedDataEnv env(std::nullopt);
  expect_data_error([] { load_dataset("mnist", "", "train"); }, {"'mnist'", "--data-dir"});
}

TEST(DatasetLoader, MissingFolderNamesItAndTheFlag) {
  expect_data_error([] { load_dataset("mnist", "/nonexistent/ganrun-mnist", "train"); },
                    {"data folder '/nonexistent/ganrun-mnist' not found", "--data-dir"});
}

TEST(DatasetLoader, UnknownNameListsKnownNames) {
  expect_data_error([] { load_dataset("mnsit", "", "train"); },
                    {"unknown data set 'mnsit'", "mnist, fashion-mnist"});
}

TEST(DatasetLoader, UnknownSplitIsAnError) {
  expect_data_error([] { load_dataset("mnist", "", "validation"); },
                    {"unknown split 'validation'", "train or test"});
}

TEST(DatasetLoader, TrainSplitReadsTrainFiles) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  // The shared folder holds only t10k-*: asking for train must name the train files.
  expect_data_error([] { load_dataset("mnist", kMnistDir.string(), "train"); },
                    {"train-images-idx3-ubyte.gz"});
}

// ---- to_training_range -----------------------------------------------------------------------

TEST(DatasetTrainingRange, MapsEndpointsAndMidpoint) {
  const torch::Tensor x = torch::tensor(std::vector<int64_t>{0, 127, 128, 255}).to(torch::kUInt8);
  const torch::Tensor y = to_training_range(x, torch::kFloat32);
  ASSERT_EQ(y.scalar_type(), torch::kFloat32);
  auto a = y.accessor<float, 1>();
  EXPECT_EQ(a[0], -1.0f);  // 0 / 127.5 - 1
  EXPECT_EQ(a[3], 1.0f);   // 255 / 127.5 - 1, exact in float32
  // 127.5 is the midpoint that maps to 0: 127 -> -0.5/127.5 = -1/255, 128 -> +1/255.
  EXPECT_NEAR(a[1], -1.0 / 255.0, 1e-7);
  EXPECT_NEAR(a[2], 1.0 / 255.0, 1e-7);
}

TEST(DatasetTrainingRange, HonoursDtypeAndShape) {
  const torch::Tensor x = torch::full({2, 1, 3, 3}, 51, torch::kUInt8);
  const torch::Tensor y = to_training_range(x, torch::kFloat64);
  EXPECT_EQ(y.scalar_type(), torch::kFloat64);
  EXPECT_EQ(y.sizes(), x.sizes());
  // 51 / 127.5 - 1 = 0.4 - 1 = -0.6
  EXPECT_NEAR(y.min().item<double>(), -0.6, 1e-15);
  EXPECT_NEAR(y.max().item<double>(), -0.6, 1e-15);
}

TEST(DatasetTrainingRange, RejectsNonUint8Input) {
  EXPECT_THROW(to_training_range(torch::zeros({2}, torch::kFloat32), torch::kFloat32),
               std::invalid_argument);
  EXPECT_THROW(to_training_range(torch::zeros({2}, torch::kUInt8), torch::kInt64),
               std::invalid_argument);
}

}  // namespace
}  // namespace ganrun::data
