// common/host_name.cpp — see host_name.h.
#include "common/host_name.h"

#include <limits.h>  // HOST_NAME_MAX
#include <unistd.h>  // gethostname

#include <array>

namespace ganrun {

std::string host_name() {
  std::array<char, HOST_NAME_MAX + 1> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0) return "unknown-host";
  return buf.data();
}

}  // namespace ganrun
