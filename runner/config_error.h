// runner/config_error.h — a user-input error (bad flag, sweep file, value): exit code 2.
// The message is complete and user-facing: it names the input, the value and the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace ganrun {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ganrun
