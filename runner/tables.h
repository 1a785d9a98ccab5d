// runner/tables.h — the aligned tables rank 0 prints: the resolved run plan at start and the
// results summary at the end ({fmt}; one row per run).
#pragma once

#include <string>
#include <vector>

namespace ganrun {

// Column-aligned text: the first row is the header, followed by a rule.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ganrun
