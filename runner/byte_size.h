// runner/byte_size.h — memory sizes as users write them (dataset.memory_budget, --memory-budget).
#pragma once

#include <cstdint>
#include <string>

namespace ganrun {

// "4GiB", "512MiB", "100KiB", "1000000" (bytes) -> bytes, from 1 byte to 1 PiB; throws
// ConfigError naming `what` and the forms it takes.
int64_t parse_byte_size(const std::string& text, const std::string& what);

}  // namespace ganrun
