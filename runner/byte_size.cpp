// runner/byte_size.cpp — sizes with binary units (see header).
#include "runner/byte_size.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "runner/config_error.h"

namespace ganrun {

int64_t parse_byte_size(const std::string& text, const std::string& what) {
  static const std::vector<std::pair<std::string, int64_t>> units{{"GiB", int64_t{1} << 30},
                                                                  {"MiB", int64_t{1} << 20},
                                                                  {"KiB", int64_t{1} << 10},
                                                                  {"B", 1},
                                                                  {"", 1}};
  for (const auto& [suffix, scale] : units) {
    if (text.size() <= suffix.size() ||
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string digits = text.substr(0, text.size() - suffix.size());
    // More digits than any size up to 1 PiB has would overflow std::stoll.
    if (digits.size() > 16 || digits.find_first_not_of("0123456789") != std::string::npos) break;
    const long long value = std::stoll(digits);
    if (value < 1 || value > (int64_t{1} << 50) / scale) break;
    return value * scale;
  }
  throw ConfigError(fmt::format(
      "{} must be a size like 4GiB, 512MiB, 100KiB or a number of bytes >= 1 (got '{}')", what,
      text));
}

}  // namespace ganrun
