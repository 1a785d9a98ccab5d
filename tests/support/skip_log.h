// tests/support/skip_log.h — how a test process tells scripts/test what it skipped and why.
// ctest passes GANRUN_SKIP_LOG_DIR (<build>/Testing/skips, cleared by scripts/test) and
// GANRUN_TEST_NAME (the ctest test's name) to every test; record_skip appends one line
// "<test>\t<case>\t<reason>" to <dir>/<test>.tsv. Outside ctest (no GANRUN_SKIP_LOG_DIR) it
// writes nothing. A test process exits kSkipExitCode (ctest: SKIP_RETURN_CODE, "Skipped") only
// when every case it ran was skipped and none failed; that decision is the caller's.
#pragma once

#include <string_view>

namespace ganrun::test {

// ctest's SKIP_RETURN_CODE for every ganrun test (tests/CMakeLists.txt).
inline constexpr int kSkipExitCode = 77;

// Records one skipped case; tabs and line breaks in either text become spaces. Never throws:
// a log that cannot be written is reported on stderr.
void record_skip(std::string_view case_name, std::string_view reason);

}  // namespace ganrun::test
