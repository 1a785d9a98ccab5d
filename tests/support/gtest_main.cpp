// tests/support/gtest_main.cpp — main() of every GoogleTest binary (the unit tests, the learning
// tests). Runs the selected tests, records every skipped case with its GTEST_SKIP message
// (skip_log.h), and turns the outcome into ctest's: failure when any case failed or when no
// case matched (a filter that selects nothing asserts nothing), 77 ("Skipped") when every case
// that ran was skipped, 0 otherwise. A skip beside passing cases is still recorded, so
// scripts/test lists it though the test passed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/support/skip_log.h"

namespace {

class SkipRecorder final : public testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const testing::TestInfo& info) override {
    const testing::TestResult& result = *info.result();
    if (!result.Skipped()) return;  // false also when a failure came before the skip
    std::string reason;
    for (int i = 0; i < result.total_part_count(); ++i) {
      const testing::TestPartResult& part = result.GetTestPartResult(i);
      if (part.skipped() && part.message() != nullptr) {
        reason = part.message();
        break;
      }
    }
    ganrun::test::record_skip(std::string(info.test_suite_name()) + "." + info.name(), reason);
  }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest& unit = *testing::UnitTest::GetInstance();
  unit.listeners().Append(new SkipRecorder);  // gtest owns its listeners
  const int status = RUN_ALL_TESTS();
  if (status != 0 || GTEST_FLAG_GET(list_tests)) return status;
  if (unit.test_to_run_count() == 0) {
    std::fprintf(stderr, "no test case matches the filter '%s': nothing was tested\n",
                 GTEST_FLAG_GET(filter).c_str());
    return 1;
  }
  if (unit.skipped_test_count() == unit.test_to_run_count()) {
    std::printf("every one of the %d test case(s) was skipped: exit %d (ctest: Skipped)\n",
                unit.test_to_run_count(), ganrun::test::kSkipExitCode);
    return ganrun::test::kSkipExitCode;
  }
  return 0;
}
