// runner/version.h — the ganrun version and the git commit it was built from (provenance).
// Defined in a file generated at build time (cmake/WriteVersion.cmake).
#pragma once

namespace ganrun {
const char* version();
const char* git_commit();
}  // namespace ganrun
