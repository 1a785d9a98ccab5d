// launch/mpi_check.cpp — the failure text of a checked library call and MPI's error strings
// (see mpi_check.h).
#include "launch/mpi_check.h"

#include <cstdio>  // std::fprintf
#include <filesystem>
#include <stdexcept>

namespace ganrun::launch {

std::string call_failure_text(const char* call, const char* file, int line,
                              const std::string& message) {
  return std::string(call) + " failed at " + std::filesystem::path(file).filename().string() + ":" +
         std::to_string(line) + ": " + message;
}

void throw_call_failure(const char* call, const char* file, int line, const std::string& message) {
  throw std::runtime_error(call_failure_text(call, file, line, message));
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error code " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

void mpi_report(int code, const char* call, const char* file, int line) noexcept {
  if (code == MPI_SUCCESS) return;
  try {
    std::fprintf(stderr, "ganrun: %s\n",
                 call_failure_text(call, file, line, mpi_error_text(code)).c_str());
  } catch (...) {  // out of memory while formatting: nothing better to do in a destructor
    std::fprintf(stderr, "ganrun: %s failed (MPI error code %d)\n", call, code);
  }
}

}  // namespace ganrun::launch
