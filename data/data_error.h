// data/data_error.h — a problem with a user's data files (missing, truncated, corrupt): exit
// code 2. The message names the file, what is wrong and what was expected.
#pragma once

#include <stdexcept>
#include <string>

namespace ganrun::data {

class DataError : public std::runtime_error {
 public:
  explicit DataError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ganrun::data
