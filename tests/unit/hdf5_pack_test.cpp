// tests/unit/hdf5_pack_test.cpp — HDF5 packs: round trips of the real MNIST test set and a
// synthetic RGB set (tensors, attrs, checksums against independently computed SHA-256),
// verification catching a flipped byte, on-demand row reads, a table of malformed packs (each a
// DataError naming the file and the dataset), and load_dataset given a pack.
#include "data/hdf5_pack.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/h5_check.h"
#include "data/idx_reader.h"
#include "data/pack_row_reader.h"
#include "tests/unit/test_paths.h"
#include "tests/unit/test_support.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

const fs::path kMnistDir = fs::path(ganrun::test::shared_data_dir()) / "mnist";

std::string mnist_skip_message() {
  return "MNIST test set not found at " + kMnistDir.string() +
         "; set GANRUN_SHARED_DATA (ctest passes the CMake option of that name) to the folder "
         "holding mnist/t10k-*-ubyte.gz";
}

// SHA-256 computed independently with Python from the original files:
//   img = gzip.open('t10k-images-idx3-ubyte.gz').read()[16:]      # the 7,840,000 pixel bytes
//   lab = np.frombuffer(gzip.open('t10k-labels-idx1-ubyte.gz').read()[8:], np.uint8)
//   hashlib.sha256(img).hexdigest(); hashlib.sha256(lab.astype('<i8').tobytes()).hexdigest()
constexpr const char* kMnistImagesSha =
    "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161";
constexpr const char* kMnistLabelsSha =
    "2fd8de6bdb8d11780b4b96dc57847bcfe6953f7c32aa48bfcd8237c3b7847243";

// The synthetic RGB set: 600 images of 3x5x7 (three chunks: 256 + 256 + 88 rows), byte i of
// the flat images = (31 * i + 7) % 256, label of row r = 7 * r % 10. Its SHA-256 with Python:
//   x = ((np.arange(600*3*5*7, dtype=np.int64) * 31 + 7) % 256).astype(np.uint8)
//   y = (np.arange(600, dtype=np.int64) * 7) % 10
//   hashlib.sha256(x.tobytes()).hexdigest(); hashlib.sha256(y.astype('<i8').tobytes()).hexdigest()
constexpr int64_t kSynthN = 600, kSynthC = 3, kSynthH = 5, kSynthW = 7;
constexpr const char* kSynthImagesSha =
    "192224840112c668b90ad85b197940311d4fab98abe15a50e26543423d92cd5c";
constexpr const char* kSynthLabelsSha =
    "3ddc92ff4c5d0a0b8a0c2a85a1f481ab3b9330e516d130679bddceb75f0fcae4";

Dataset synthetic_rgb() {
  Dataset ds;
  ds.name = "synthetic";
  ds.split = "train";
  ds.images = torch::arange(kSynthN * kSynthC * kSynthH * kSynthW, torch::kInt64)
                  .mul(31)
                  .add(7)
                  .remainder(256)
                  .to(torch::kUInt8)
                  .reshape({kSynthN, kSynthC, kSynthH, kSynthW});
  ds.labels = torch::arange(kSynthN, torch::kInt64).mul(7).remainder(10);
  ds.class_names = {"zero", "one", "two",   "three",      "four",
                    "five", "six", "seven", "sports car", "nine"};  // a space survives too
  return ds;
}

// A fresh folder under the system temp dir, removed with the object.
// A folder per test, removed at scope exit (tests/unit/test_support.h).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("pack") {}
};
using test::expect_data_error;

// Nothing but the pack itself in the folder: the temporary file was renamed away.
void expect_only(const fs::path& dir, const fs::path& file) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path());
  EXPECT_EQ(entries, std::vector<fs::path>{file});
}

// ---- round trips ---------------------------------------------------------------------------

TEST(PackRoundTrip, MnistTestSet) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  Dataset ds = read_idx_pair(kMnistDir, "t10k");
  ds.name = "mnist";
  TempDir tmp;
  const fs::path pack = tmp.path() / "mnist-test.h5";
  write_pack(ds, kMnistDir.string(), pack);
  expect_only(tmp.path(), pack);

  const PackInfo info = read_pack_info(pack);
  EXPECT_EQ(info.dataset, "mnist");
  EXPECT_EQ(info.split, "test");
  EXPECT_EQ(info.source, kMnistDir.string());
  EXPECT_EQ(info.n, 10000);
  EXPECT_EQ(info.c, 1);
  EXPECT_EQ(info.h, 28);
  EXPECT_EQ(info.w, 28);
  EXPECT_TRUE(info.class_names.empty());
  EXPECT_EQ(info.images_sha256, kMnistImagesSha);
  EXPECT_EQ(info.labels_sha256, kMnistLabelsSha);

  const Dataset back = read_pack(pack, /*verify=*/true);
  EXPECT_EQ(back.name, "mnist");
  EXPECT_EQ(back.split, "test");
  EXPECT_TRUE(torch::equal(back.images, ds.images));
  EXPECT_TRUE(torch::equal(back.labels, ds.labels));
  EXPECT_EQ(back.images.scalar_type(), torch::kUInt8);
  EXPECT_EQ(back.labels.scalar_type(), torch::kInt64);
}

TEST(PackRoundTrip, SyntheticRgbWithClassNames) {
  const Dataset ds = synthetic_rgb();
  TempDir tmp;
  const fs::path pack = tmp.path() / "synthetic.h5";
  write_pack(ds, "generated by the test", pack);
  expect_only(tmp.path(), pack);

  const PackInfo info = read_pack_info(pack);
  EXPECT_EQ(info.dataset, "synthetic");
  EXPECT_EQ(info.split, "train");
  EXPECT_EQ(info.source, "generated by the test");
  EXPECT_EQ(info.n, kSynthN);
  EXPECT_EQ(info.c, kSynthC);
  EXPECT_EQ(info.h, kSynthH);
  EXPECT_EQ(info.w, kSynthW);
  EXPECT_EQ(info.class_names, ds.class_names);
  EXPECT_EQ(info.images_sha256, kSynthImagesSha);
  EXPECT_EQ(info.labels_sha256, kSynthLabelsSha);

  const Dataset back = read_pack(pack, /*verify=*/true);
  EXPECT_TRUE(torch::equal(back.images, ds.images));
  EXPECT_TRUE(torch::equal(back.labels, ds.labels));
  EXPECT_EQ(back.class_names, ds.class_names);
}

TEST(PackRoundTrip, LayoutIsChunkedByRowsWithUtf8StringAttrs) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "synthetic.h5";
  write_pack(synthetic_rgb(), "src", pack);
  Hid file = h5::open_readonly(pack);
  Hid images(H5CALL(H5Dopen2(file, "images", H5P_DEFAULT), pack), H5Dclose);
  Hid dcpl(H5CALL(H5Dget_create_plist(images), pack), H5Pclose);
  ASSERT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  std::vector<hsize_t> chunk(4);
  ASSERT_EQ(H5Pget_chunk(dcpl, 4, chunk.data()), 4);
  EXPECT_EQ(chunk, (std::vector<hsize_t>{hsize_t(kPackChunkRows), hsize_t(kSynthC),
                                         hsize_t(kSynthH), hsize_t(kSynthW)}));
  // Variable-length UTF-8 attrs: h5py reads them as str.
  Hid attr(H5CALL(H5Aopen(file, "format", H5P_DEFAULT), pack), H5Aclose);
  Hid type(H5CALL(H5Aget_type(attr), pack), H5Tclose);
  EXPECT_GT(H5Tis_variable_str(type), 0);
  EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
  EXPECT_EQ(h5::read_strings(attr, true, pack), std::vector<std::string>{"ganrun-pack-v1"});
}

TEST(PackRoundTrip, OverwritesAnExistingPack) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  Dataset ds = synthetic_rgb();
  write_pack(ds, "first", pack);
  ds.split = "test";
  write_pack(ds, "second", pack);
  EXPECT_EQ(read_pack_info(pack).source, "second");
  expect_only(tmp.path(), pack);
}

TEST(PackWrite, MissingFolderIsDataError) {
  expect_data_error([] { write_pack(synthetic_rgb(), "x", "/nonexistent/ganrun-pack/p.h5"); },
                    {"/nonexistent/ganrun-pack/p.h5", "folder /nonexistent/ganrun-pack"});
}

// ---- verification --------------------------------------------------------------------------

// Flips every bit of one pixel through the HDF5 API, as silent corruption would.
void flip_pixel(const fs::path& pack, const std::vector<hsize_t>& at) {
  Hid file(H5CALL(H5Fopen(pack.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), pack), H5Fclose);
  Hid ds(H5CALL(H5Dopen2(file, "images", H5P_DEFAULT), pack), H5Dclose);
  Hid fspace(H5CALL(H5Dget_space(ds), pack), H5Sclose);
  const std::vector<hsize_t> one(4, 1);
  H5CALL(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, at.data(), nullptr, one.data(), nullptr),
         pack);
  Hid mspace(H5CALL(H5Screate_simple(4, one.data(), nullptr), pack), H5Sclose);
  uint8_t v = 0;
  H5CALL(H5Dread(ds, H5T_NATIVE_UINT8, mspace, fspace, H5P_DEFAULT, &v), pack);
  v ^= 0xff;
  H5CALL(H5Dwrite(ds, H5T_NATIVE_UINT8, mspace, fspace, H5P_DEFAULT, &v), pack);
}

TEST(PackVerify, CatchesFlippedByte) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  const Dataset ds = synthetic_rgb();
  write_pack(ds, "src", pack);
  flip_pixel(pack, {300, 1, 2, 3});

  // Without verification the damage goes unnoticed (one pixel differs) ...
  const Dataset damaged = read_pack(pack, /*verify=*/false);
  EXPECT_EQ(damaged.images.ne(ds.images).sum().item<int64_t>(), 1);
  EXPECT_EQ(damaged.images[300][1][2][3].item<uint8_t>(),
            static_cast<uint8_t>(ds.images[300][1][2][3].item<uint8_t>() ^ 0xff));
  // ... with it, a DataError names the file, the dataset and the checksum attr.
  expect_data_error([&] { read_pack(pack, /*verify=*/true); },
                    {pack.string(), "/images", "images_sha256", kSynthImagesSha});
}

// ---- PackRowReader -------------------------------------------------------------------------

TEST(PackRowReader, ReturnsRequestedRowsInRequestedOrder) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  const Dataset ds = synthetic_rgb();
  write_pack(ds, "src", pack);
  PackRowReader reader(pack);
  EXPECT_EQ(reader.info().n, kSynthN);
  EXPECT_EQ(reader.rows_read(), 0);

  // Random rows with duplicates (drawn with replacement), plus explicit repeats and both ends.
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1234);
  torch::Tensor idx = at::randint(kSynthN, {200}, gen, torch::kInt64);
  idx = torch::cat({idx, torch::tensor(std::vector<int64_t>{599, 0, 599, 17, 17, 18, 19})});
  const int64_t* p = idx.data_ptr<int64_t>();
  const std::set<int64_t> distinct(p, p + idx.numel());

  const torch::Tensor images = reader.read_images(idx);
  EXPECT_TRUE(torch::equal(images, ds.images.index_select(0, idx)));
  EXPECT_EQ(reader.rows_read(), static_cast<int64_t>(distinct.size()));
  EXPECT_TRUE(torch::equal(reader.read_labels(idx), ds.labels.index_select(0, idx)));
  EXPECT_EQ(reader.rows_read(), static_cast<int64_t>(distinct.size()));  // labels do not count

  // A contiguous run across a chunk boundary (rows 250..269), already in order.
  const torch::Tensor run = torch::arange(250, 270, torch::kInt64);
  EXPECT_TRUE(torch::equal(reader.read_images(run), ds.images.slice(0, 250, 270)));
  EXPECT_EQ(reader.rows_read(), static_cast<int64_t>(distinct.size()) + 20);

  // Descending order comes back descending.
  const torch::Tensor desc = torch::arange(599, 589, -1, torch::kInt64);
  EXPECT_TRUE(torch::equal(reader.read_images(desc), ds.images.index_select(0, desc)));
  EXPECT_EQ(reader.rows_read(), static_cast<int64_t>(distinct.size()) + 30);
}

TEST(PackRowReader, EmptyRequestAndOutOfRangeRows) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  write_pack(synthetic_rgb(), "src", pack);
  PackRowReader reader(pack);
  const torch::Tensor none = reader.read_images(torch::empty({0}, torch::kInt64));
  EXPECT_EQ(none.sizes(), (std::vector<int64_t>{0, kSynthC, kSynthH, kSynthW}));
  EXPECT_EQ(reader.rows_read(), 0);
  EXPECT_THROW(reader.read_images(torch::tensor(std::vector<int64_t>{3, kSynthN})),
               std::out_of_range);
  EXPECT_THROW(reader.read_images(torch::tensor(std::vector<int64_t>{-1})), std::out_of_range);
}

TEST(PackRowReader, ReadsRealMnistRows) {
  if (!fs::exists(kMnistDir)) GTEST_SKIP() << mnist_skip_message();
  Dataset ds = read_idx_pair(kMnistDir, "t10k");
  ds.name = "mnist";
  TempDir tmp;
  const fs::path pack = tmp.path() / "mnist.h5";
  write_pack(ds, kMnistDir.string(), pack);
  PackRowReader reader(pack);
  const torch::Tensor idx = torch::tensor(std::vector<int64_t>{9999, 0, 4242, 255, 256, 0});
  EXPECT_TRUE(torch::equal(reader.read_images(idx), ds.images.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(reader.read_labels(idx), ds.labels.index_select(0, idx)));
  EXPECT_EQ(reader.rows_read(), 5);
}

// A pack written by another tool may compress its chunks: rows then come through the chunk
// cache (a chunk must be decoded whole), and must be the same rows.
TEST(PackRowReader, ReadsDeflateCompressedPack) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "deflate.h5";
  const Dataset ds = synthetic_rgb();
  {
    Hid file = h5::create_file(pack);
    {
      h5::write_string_attr(file, "format", "ganrun-pack-v1", pack);
      const std::vector<hsize_t> dims = {hsize_t(kSynthN), hsize_t(kSynthC), hsize_t(kSynthH),
                                         hsize_t(kSynthW)};
      const std::vector<hsize_t> chunk = {64, dims[1], dims[2], dims[3]};
      Hid dcpl(H5CALL(H5Pcreate(H5P_DATASET_CREATE), pack), H5Pclose);
      H5CALL(H5Pset_chunk(dcpl, 4, chunk.data()), pack);
      H5CALL(H5Pset_deflate(dcpl, 1), pack);
      Hid ispace(H5CALL(H5Screate_simple(4, dims.data(), nullptr), pack), H5Sclose);
      Hid images(
          H5CALL(H5Dcreate2(file, "images", H5T_STD_U8LE, ispace, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                 pack),
          H5Dclose);
      H5CALL(
          H5Dwrite(images, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.images.data_ptr()),
          pack);
      const hsize_t n = kSynthN;
      Hid lspace(H5CALL(H5Screate_simple(1, &n, nullptr), pack), H5Sclose);
      Hid labels(H5CALL(H5Dcreate2(file, "labels", H5T_STD_I64LE, lspace, H5P_DEFAULT, H5P_DEFAULT,
                                   H5P_DEFAULT),
                        pack),
                 H5Dclose);
      H5CALL(
          H5Dwrite(labels, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.labels.data_ptr()),
          pack);
    }
    H5CALL(file.close(), pack);
  }
  PackRowReader reader(pack);
  const torch::Tensor idx = torch::tensor(std::vector<int64_t>{599, 3, 64, 63, 3, 300, 301, 0});
  EXPECT_TRUE(torch::equal(reader.read_images(idx), ds.images.index_select(0, idx)));
  EXPECT_TRUE(torch::equal(reader.read_labels(idx), ds.labels.index_select(0, idx)));
  EXPECT_EQ(reader.rows_read(), 7);
  EXPECT_TRUE(torch::equal(read_pack(pack).images, ds.images));
}

// ---- malformed packs -----------------------------------------------------------------------

// A pack-like file written directly with the HDF5 API, so each case breaks one thing.
struct PackSpec {
  bool format_attr = true;
  std::string format = "ganrun-pack-v1";
  bool images = true;
  hid_t image_type = H5T_STD_U8LE;
  std::vector<hsize_t> image_dims = {10, 1, 4, 4};
  bool labels = true;
  hid_t label_type = H5T_STD_I64LE;
  std::vector<hsize_t> label_dims = {10};
};

void write_spec(const fs::path& path, const PackSpec& s) {
  Hid file = h5::create_file(path);
  {
    if (s.format_attr) h5::write_string_attr(file, "format", s.format, path);
    h5::write_string_attr(file, "dataset", "mnist", path);
    h5::write_string_attr(file, "split", "train", path);
    auto add = [&](const char* name, hid_t type, const std::vector<hsize_t>& dims) {
      Hid space(H5CALL(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), path),
                H5Sclose);
      Hid ds(
          H5CALL(H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path),
          H5Dclose);
    };
    if (s.images) add("images", s.image_type, s.image_dims);
    if (s.labels) add("labels", s.label_type, s.label_dims);
  }
  H5CALL(file.close(), path);
}

struct BadPackCase {
  const char* name;
  std::function<void(PackSpec&)> change;
  std::vector<std::string> expect;  // besides the file name
};

std::vector<BadPackCase> bad_pack_cases() {
  return {
      {"MissingLabels",
       [](PackSpec& s) { s.labels = false; },
       {"no /labels dataset", "expected int64 [N]"}},
      {"MissingImages",
       [](PackSpec& s) { s.images = false; },
       {"no /images dataset", "expected uint8 [N, C, H, W]"}},
      {"ImagesFloat32",
       [](PackSpec& s) { s.image_type = H5T_IEEE_F32LE; },
       {"/images has dtype float32, expected uint8"}},
      {"ImagesInt8",
       [](PackSpec& s) { s.image_type = H5T_STD_I8LE; },
       {"/images has dtype int8, expected uint8"}},
      {"ImagesRank3",
       [](PackSpec& s) {
         s.image_dims = {10, 4, 4};
       },
       {"/images has rank 3 [10, 4, 4]", "expected rank 4 [N, C, H, W]"}},
      {"ImagesFourChannels",
       [](PackSpec& s) {
         s.image_dims = {10, 4, 4, 4};
       },
       {"/images has 4 channels", "expected 1 or 3"}},
      {"LabelsInt32",
       [](PackSpec& s) { s.label_type = H5T_STD_I32LE; },
       {"/labels has dtype int32, expected int64"}},
      {"LabelsUint64",
       [](PackSpec& s) { s.label_type = H5T_STD_U64LE; },
       {"/labels has dtype uint64, expected int64"}},
      {"LabelsRank2",
       [](PackSpec& s) {
         s.label_dims = {10, 1};
       },
       {"/labels has rank 2", "expected rank 1 [N]"}},
      {"LabelCountMismatch",
       [](PackSpec& s) { s.label_dims = {9}; },
       {"/images holds 10 images but /labels holds 9 labels", "expected equal counts"}},
      {"NoFormatAttr",
       [](PackSpec& s) { s.format_attr = false; },
       {"no format attr", "ganrun-pack-v1"}},
      {"WrongFormatAttr",
       [](PackSpec& s) { s.format = "ganrun-pack-v0"; },
       {"format attr is 'ganrun-pack-v0', expected ganrun-pack-v1"}},
  };
}

class PackValidation : public testing::TestWithParam<BadPackCase> {};

TEST_P(PackValidation, EveryReaderThrowsDataErrorNamingFileAndDataset) {
  const BadPackCase& c = GetParam();
  TempDir tmp;
  const fs::path pack = tmp.path() / "pack.h5";
  PackSpec spec;
  c.change(spec);
  write_spec(pack, spec);
  std::vector<std::string> parts = c.expect;
  parts.push_back(pack.string() + ": ");
  expect_data_error([&] { read_pack_info(pack); }, parts);
  expect_data_error([&] { read_pack(pack); }, parts);
  expect_data_error([&] { PackRowReader reader(pack); }, parts);
}

INSTANTIATE_TEST_SUITE_P(Pack, PackValidation, testing::ValuesIn(bad_pack_cases()),
                         [](const testing::TestParamInfo<BadPackCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(PackValidationFile, MissingAndNonHdf5Files) {
  TempDir tmp;
  const fs::path missing = tmp.path() / "missing.h5";
  expect_data_error([&] { read_pack(missing); }, {missing.string(), "not found"});
  const fs::path text = tmp.path() / "text.h5";
  std::ofstream(text) << "not hdf5\n";
  expect_data_error([&] { read_pack_info(text); }, {text.string(), "not an HDF5 file"});
}

TEST(PackValidationFile, LabelOutsideClassNames) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  Dataset ds = synthetic_rgb();
  ds.labels[42] = 10;  // ten class names: labels 0..9
  write_pack(ds, "src", pack);
  expect_data_error([&] { read_pack(pack); },
                    {pack.string(), "/labels holds label 10 at index 42", "outside 0..9"});
  PackRowReader reader(pack);
  EXPECT_NO_THROW(reader.read_labels(torch::tensor(std::vector<int64_t>{41, 43})));
  expect_data_error(
      [&] {
        reader.read_labels(torch::tensor(std::vector<int64_t>{7, 42}));
      },
      {"label 10 at index 42"});
}

// ---- load_dataset with a pack ---------------------------------------------------------------

TEST(PackLoader, LoadDatasetReadsAPackGivenAsDataDir) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "mnist-train.h5";
  Dataset ds = synthetic_rgb();
  ds.name = "mnist";
  write_pack(ds, "src", pack);
  const Dataset back = load_dataset("mnist", pack.string(), "train");
  EXPECT_EQ(back.name, "mnist");
  EXPECT_EQ(back.split, "train");
  EXPECT_TRUE(torch::equal(back.images, ds.images));
  EXPECT_EQ(back.class_names, ds.class_names);
}

TEST(PackLoader, DatasetAndSplitMustMatch) {
  TempDir tmp;
  const fs::path pack = tmp.path() / "p.h5";
  Dataset ds = synthetic_rgb();
  ds.name = "fashion-mnist";
  write_pack(ds, "src", pack);
  expect_data_error([&] { load_dataset("mnist", pack.string(), "train"); },
                    {pack.string(), "'fashion-mnist'", "'mnist'"});
  expect_data_error([&] { load_dataset("fashion-mnist", pack.string(), "test"); },
                    {pack.string(), "split 'train'", "split 'test'"});
  expect_data_error([&] { load_dataset("mnist", (tmp.path() / "absent.h5").string(), "train"); },
                    {"absent.h5", "not found"});
}

}  // namespace
}  // namespace ganrun::data
