// tests/learning/toy_learning_check.h — the toy learning test's pass rule, shared with the unit
// tests that show a uniform-on-the-circle and a collapsed generator fail it (issue 15): at least
// 6 of the 8 ring modes hold >= 1% of the samples each, and >= 25% of the samples lie within
// 3 sigma of a mode centre.
#pragma once

#include <cstdint>

#include "models/mode_coverage.h"

namespace ganrun::test {

inline constexpr int64_t kToyMinModes = 6;
inline constexpr double kToyMinHighQuality = 0.25;

inline bool passes_toy_learning_check(const models::ModeCoverage& c) {
  return c.modes_covered >= kToyMinModes && c.high_quality >= kToyMinHighQuality;
}

}  // namespace ganrun::test
