// common/utc_time.h — the current time as recorded in run files, sweep indexes and reference
// manifests: UTC, ISO 8601 to the second ("2026-12-03T08:17:38Z").
#pragma once

#include <string>

namespace ganrun {

std::string utc_now();

}  // namespace ganrun
