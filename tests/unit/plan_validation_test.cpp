// tests/unit/plan_validation_test.cpp — the out folder check made before anything is printed or
// written: a folder that exists or can be created passes; a file where the folder (or a folder
// above it, or its runs/ folder) should be is named with the fix.
#include "runner/plan_validation.h"

#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <filesystem>
#include <fstream>
#include <string>

namespace ganrun {
namespace {
namespace fs = std::filesystem;

class OutFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("ganrun-out-folder-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    std::ofstream(root_ / "file") << "x";
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(OutFolder, AFolderThatExistsOrCanBeCreatedPasses) {
  EXPECT_EQ(out_folder_error(root_), "");
  EXPECT_EQ(out_folder_error(root_ / "new"), "");
  EXPECT_EQ(out_folder_error(root_ / "new" / "deeper" / "still"), "");
  EXPECT_EQ(out_folder_error("results/relative-and-new"), "");  // created in the current folder
  EXPECT_FALSE(fs::exists(root_ / "new"));                      // nothing created by checking
}

TEST_F(OutFolder, AFileWhereAFolderShouldBeIsNamed) {
  const std::string fix = "choose another out folder (--out)";
  EXPECT_EQ(out_folder_error(root_ / "file"), "out folder '" + (root_ / "file").string() +
                                                  "' is an existing file, not a folder; " + fix);
  EXPECT_EQ(out_folder_error(root_ / "file" / "a" / "b"),
            "cannot create out folder '" + (root_ / "file" / "a" / "b").string() + "': '" +
                (root_ / "file").string() + "' is a file, not a folder; " + fix);
  fs::create_directories(root_ / "out");
  std::ofstream(root_ / "out" / "runs") << "x";
  EXPECT_EQ(out_folder_error(root_ / "out"),
            "out folder '" + (root_ / "out").string() +
                "' holds a file 'runs' where the run files go; remove it or " + fix);
}

}  // namespace
}  // namespace ganrun
