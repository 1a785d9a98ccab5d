// tests/unit/sweep_index_test.cpp — sweep.h5 read back through the HDF5 C API: attrs, sweep
// text, /grid columns, /runs/<id> external links (target file and object) and that opening
// through a link reaches the run file once it exists, also after the whole folder moved.
#include "runner/sweep_index.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>  // getpid

#include <regex>

#include "data/h5_check.h"    // H5CALL, Hid
#include "runner/run_file.h"  // RunFileWriter: the link targets
#include "runner/version.h"   // ganrun::version

namespace {

namespace fs = std::filesystem;
using ganrun::SweepIndexRun;
using ganrun::h5::Hid;

Hid open_file(const fs::path& p) {
  ganrun::h5::silence_errors();
  return Hid(H5CALL(H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), p), H5Fclose);
}

Hid vlen_string_type() {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

std::string string_attr(hid_t loc, const char* name) {
  Hid attr(H5CALL(H5Aopen(loc, name, H5P_DEFAULT), name), H5Aclose);
  Hid type = vlen_string_type();
  char* p = nullptr;
  H5CALL(H5Aread(attr, type, &p), name);
  std::string s = p;
  H5free_memory(p);
  return s;
}

std::vector<std::string> strings(hid_t file, const std::string& name) {
  Hid ds(H5CALL(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
  Hid space(H5Dget_space(ds), H5Sclose);
  std::vector<char*> ptrs(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  Hid type = vlen_string_type();
  if (!ptrs.empty()) H5CALL(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), name);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p);
    H5free_memory(p);
  }
  return out;
}

std::vector<int64_t> int64s(hid_t file, const std::string& name) {
  Hid ds(H5CALL(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name), H5Dclose);
  Hid space(H5Dget_space(ds), H5Sclose);
  std::vector<int64_t> v(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  if (!v.empty())
    H5CALL(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
  return v;
}

class SweepIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("ganrun-sweep-index-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "runs");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(dir_.string() + "-moved", ec);
  }

  fs::path dir_;
  const std::string text_ = "name: lr\ngrid:\n  lr_g: [2e-4, 1e-4]\n  seed: [0]\n";
  const std::vector<std::string> keys_ = {"lr_g", "seed"};
  const std::vector<SweepIndexRun> runs_ = {
      {"wgan-gp-lr2e-4-s0-aaaa", 0, {{"lr_g", "2e-4"}, {"seed", "0"}}},
      {"wgan-gp-lr1e-4-s0-bbbb", 1, {{"seed", "0"}, {"lr_g", "1e-4"}}},  // any key order
  };
};

TEST_F(SweepIndex, WritesAttrsTextAndGridColumns) {
  const fs::path path = dir_ / "sweep.h5";
  ganrun::write_sweep_index(path, "lr", text_, keys_, runs_);
  EXPECT_FALSE(fs::exists(dir_ / ".sweep.h5.tmp"));

  Hid f = open_file(path);
  EXPECT_EQ(string_attr(f, "name"), "lr");
  EXPECT_EQ(string_attr(f, "ganrun_version"), ganrun::version());
  EXPECT_TRUE(
      std::regex_match(string_attr(f, "created"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << string_attr(f, "created");
  EXPECT_EQ(strings(f, "sweep_text"), std::vector<std::string>{text_});
  EXPECT_EQ(strings(f, "grid/run_id"),
            (std::vector<std::string>{"wgan-gp-lr2e-4-s0-aaaa", "wgan-gp-lr1e-4-s0-bbbb"}));
  EXPECT_EQ(int64s(f, "grid/rank"), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(strings(f, "grid/lr_g"), (std::vector<std::string>{"2e-4", "1e-4"}));
  EXPECT_EQ(strings(f, "grid/seed"), (std::vector<std::string>{"0", "0"}));

  EXPECT_EQ(ganrun::read_sweep_text(path), text_);
}

TEST_F(SweepIndex, RunsAreRelativeExternalLinks) {
  const fs::path path = dir_ / "sweep.h5";
  ganrun::write_sweep_index(path, "lr", text_, keys_, runs_);
  Hid f = open_file(path);
  for (const auto& run : runs_) {
    const std::string name = "runs/" + run.run_id;
    H5L_info_t info;
    ASSERT_GE(H5Lget_info(f, name.c_str(), &info, H5P_DEFAULT), 0) << name;
    EXPECT_EQ(info.type, H5L_TYPE_EXTERNAL) << name;
    std::vector<char> val(info.u.val_size);
    ASSERT_GE(H5Lget_val(f, name.c_str(), val.data(), val.size(), H5P_DEFAULT), 0);
    unsigned flags = 0;
    const char* target_file = nullptr;
    const char* target_obj = nullptr;
    ASSERT_GE(H5Lunpack_elink_val(val.data(), val.size(), &flags, &target_file, &target_obj), 0);
    EXPECT_STREQ(target_file, ("runs/" + run.run_id + ".h5").c_str());
    EXPECT_STREQ(target_obj, "/");
  }
}

TEST_F(SweepIndex, LinkOpensTheRunFileOnceItExistsEvenAfterAMove) {
  const fs::path path = dir_ / "sweep.h5";
  ganrun::write_sweep_index(path, "lr", text_, keys_, runs_);
  const std::string id = runs_[0].run_id;
  {
    Hid f = open_file(path);  // the run file does not exist yet: the link dangles
    EXPECT_GT(H5Lexists(f, ("runs/" + id).c_str(), H5P_DEFAULT), 0);
    EXPECT_LT(H5Oopen(f, ("runs/" + id).c_str(), H5P_DEFAULT), 0);
  }
  ganrun::RunFileWriter w(dir_ / "runs" / (id + ".h5"), {{"run_id", id}}, "", {}, {});
  w.commit();

  // Moving <out> keeps the links working: their targets are relative to sweep.h5's folder.
  const fs::path moved = dir_.string() + "-moved";
  fs::rename(dir_, moved);
  Hid f = open_file(moved / "sweep.h5");
  Hid root(H5CALL(H5Oopen(f, ("runs/" + id).c_str(), H5P_DEFAULT), id), H5Oclose);
  EXPECT_EQ(string_attr(root, "run_id"), id);
  EXPECT_EQ(string_attr(root, "status"), "running");
}

TEST_F(SweepIndex, RewriteReplacesTheIndexAndEmptySweepsWork) {
  const fs::path path = dir_ / "sweep.h5";
  ganrun::write_sweep_index(path, "lr", text_, keys_, runs_);
  ganrun::write_sweep_index(path, "none", "grid: {}\n", {"lr_g"}, {});
  EXPECT_EQ(ganrun::read_sweep_text(path), "grid: {}\n");
  Hid f = open_file(path);
  EXPECT_EQ(string_attr(f, "name"), "none");
  EXPECT_TRUE(strings(f, "grid/run_id").empty());
  EXPECT_TRUE(strings(f, "grid/lr_g").empty());
  EXPECT_TRUE(int64s(f, "grid/rank").empty());
  EXPECT_EQ(H5Lexists(f, "runs/wgan-gp-lr2e-4-s0-aaaa", H5P_DEFAULT), 0);
}

TEST_F(SweepIndex, ReadSweepTextOfMissingFileIsNullopt) {
  EXPECT_FALSE(ganrun::read_sweep_text(dir_ / "sweep.h5").has_value());
}

TEST_F(SweepIndex, WriteIntoMissingFolderThrowsWithThePath) {
  const fs::path path = dir_ / "missing" / "sweep.h5";
  try {
    ganrun::write_sweep_index(path, "lr", text_, keys_, runs_);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST_F(SweepIndex, RejectsGridKeysThatCannotBeColumns) {
  EXPECT_THROW(ganrun::write_sweep_index(dir_ / "sweep.h5", "x", "", {"run_id"}, {}),
               std::invalid_argument);
  EXPECT_THROW(ganrun::write_sweep_index(dir_ / "sweep.h5", "x", "", {"a/b"}, {}),
               std::invalid_argument);
}

}  // namespace
