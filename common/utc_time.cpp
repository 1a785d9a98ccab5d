// common/utc_time.cpp — utc_now (see header).
#include "common/utc_time.h"

#include <ctime>

namespace ganrun {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace ganrun
