// tests/unit/test_paths.h — where the tests find real data. Passed at run time through the
// environment (ctest sets it from the CMake options GANRUN_SHARED_DATA / GANRUN_FASHION_MNIST)
// rather than compiled in, so a fresh clone elsewhere still hits the compiler cache.
#pragma once

#include <cstdlib>
#include <string>

namespace ganrun::test {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// ../shared/data: the MNIST test set and the CIFAR-10 subset.
inline std::string shared_data_dir() { return env_or("GANRUN_SHARED_DATA", "../shared/data"); }

// Debian's dataset-fashion-mnist.
inline std::string fashion_mnist_dir() {
  return env_or("GANRUN_FASHION_MNIST", "/usr/share/datasets/fashion-mnist");
}

}  // namespace ganrun::test
