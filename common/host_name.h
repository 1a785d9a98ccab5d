// common/host_name.h — this machine's host name, as recorded in run files, plan tables and locks.
#pragma once

#include <string>

namespace ganrun {

// gethostname(2), or "unknown-host" when it fails (never throws: the name is provenance only).
std::string host_name();

}  // namespace ganrun
