// tests/unit/png_grid_test.cpp — write_png_grid: the tiling (PNG header sizes), and that every
// write goes through the atomic helper: a failed write leaves the previous grid and no temp
// file, and the error names the target and the cause.
#include "runner/png_grid.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/atomic_file.h"  // snapshot_tmp_path
#include "tests/unit/test_support.h"

namespace {

namespace fs = std::filesystem;
using ganrun::write_png_grid;
using ganrun::test::TempDir;

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Big-endian uint32 at `at` (the PNG IHDR's width at 16, height at 20).
uint32_t be32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b.at(at + i));
  return v;
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
  return out;
}

// n grey images of 2x3 pixels whose bytes are their index.
std::vector<uint8_t> grey_images(int64_t n) {
  std::vector<uint8_t> out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), 2 * 3, static_cast<uint8_t>(i));
  return out;
}

// Expects writing n images to `png` to fail with "<png>: cannot write the PNG: ..." that also
// holds `cause`.
void expect_write_failure(const fs::path& png, int64_t n, const std::string& cause) {
  try {
    write_png_grid(png, grey_images(n), n, 1, 2, 3);
    ADD_FAILURE() << "expected writing " << png << " to fail";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(png.string() + ": cannot write the PNG"), std::string::npos) << msg;
    EXPECT_NE(msg.find(cause), std::string::npos) << msg;
  }
}

TEST(PngGrid, TilesImagesWithBordersAndLeavesOnlyThePng) {
  TempDir tmp("png-grid");
  const fs::path png = tmp.path() / "grid.png";
  write_png_grid(png, grey_images(5), 5, 1, 2, 3, /*columns=*/2);
  const std::string b = read_bytes(png);
  ASSERT_GE(b.size(), 24u);
  EXPECT_EQ(b.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // 2 columns of width 3 and 3 borders of 2: 2 * 3 + 3 * 2 = 12; ceil(5 / 2) = 3 rows of
  // height 2 and 4 borders: 3 * 2 + 4 * 2 = 14.
  EXPECT_EQ(be32(b, 16), 12u);
  EXPECT_EQ(be32(b, 20), 14u);
  EXPECT_EQ(entries(tmp.path()), std::vector<fs::path>{"grid.png"});
}

TEST(PngGrid, FailedWriteKeepsThePreviousGridAndNamesTheFile) {
  TempDir tmp("png-grid");
  const fs::path png = tmp.path() / "grid.png";
  write_png_grid(png, grey_images(4), 4, 1, 2, 3);
  const std::string before = read_bytes(png);
  // A folder (not empty, so nothing removes it) where the temp file must go: the write fails.
  const fs::path blocker = ganrun::snapshot_tmp_path(png);
  fs::create_directories(blocker / "x");
  expect_write_failure(png, 9, blocker.string());
  EXPECT_EQ(read_bytes(png), before);
}

TEST(PngGrid, FailedRenameLeavesNoTempFile) {
  TempDir tmp("png-grid");
  // The target is a non-empty folder: the PNG is written, the rename over the folder fails.
  const fs::path png = tmp.path() / "grid.png";
  fs::create_directories(png / "x");
  expect_write_failure(png, 4, "cannot rename");
  EXPECT_EQ(entries(tmp.path()), std::vector<fs::path>{"grid.png"});
  EXPECT_TRUE(fs::is_directory(png));
}

TEST(PngGrid, RejectsBadShapes) {
  TempDir tmp("png-grid");
  EXPECT_THROW(write_png_grid(tmp.path() / "a.png", grey_images(2), 2, 2, 2, 3),
               std::invalid_argument);  // 2 channels
  EXPECT_THROW(write_png_grid(tmp.path() / "b.png", grey_images(2), 3, 1, 2, 3),
               std::invalid_argument);  // 12 bytes for 3 images of 6
  EXPECT_TRUE(entries(tmp.path()).empty());
}

}  // namespace
