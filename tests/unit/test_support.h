// tests/unit/test_support.h — small helpers the data tests share: a private temporary folder
// removed at scope exit, "this call throws a DataError naming all of these", and a scoped
// GANRUN_DATA.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>  // getpid

#include <cstdlib>  // getenv, setenv, unsetenv
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "data/data_error.h"

namespace ganrun::test {

class TempDir {
 public:
  // A fresh folder <tmp>/ganrun-<tag>-test-<pid>-<n>.
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ =
        std::filesystem::temp_directory_path() /
        ("ganrun-" + tag + "-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Expects fn to throw DataError whose message contains every one of `parts`.
inline void expect_data_error(const std::function<void()>& fn,
                              const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected a DataError";
  } catch (const data::DataError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

// Sets or unsets GANRUN_DATA for one test and restores it after.
class ScopedDataEnv {
 public:
  explicit ScopedDataEnv(const std::optional<std::string>& value) {
    if (const char* old = std::getenv("GANRUN_DATA")) old_ = old;
    if (value) {
      setenv("GANRUN_DATA", value->c_str(), 1);
    } else {
      unsetenv("GANRUN_DATA");
    }
  }
  ScopedDataEnv(const ScopedDataEnv&) = delete;
  ScopedDataEnv& operator=(const ScopedDataEnv&) = delete;
  ~ScopedDataEnv() {
    if (old_) {
      setenv("GANRUN_DATA", old_->c_str(), 1);
    } else {
      unsetenv("GANRUN_DATA");
    }
  }

 private:
  std::optional<std::string> old_;
};

}  // namespace ganrun::test
