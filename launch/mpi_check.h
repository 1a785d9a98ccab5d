// launch/mpi_check.h — MPI_CHECK(call): a failed MPI call becomes a std::runtime_error naming the
// call, file:line and MPI's own message (MPI_Error_string), as H5CALL (data/h5_check.h) and
// NCCLCHECK do for HDF5 and NCCL; MPI_CHECK_NOTHROW reports the same line on stderr, for
// destructors. Also the one format of such messages, which NCCLCHECK and CUDACHECK use too.
// MPI reports errors only to a communicator or window whose handler is MPI_ERRORS_RETURN: MPI's
// default handler aborts the job before the check sees the code. MpiSession sets it on
// MPI_COMM_WORLD and MPI_COMM_SELF (communicators split from them inherit it); a window needs
// its own MPI_Win_set_errhandler.
#pragma once

#include <mpi.h>

#include <string>

namespace ganrun::launch {

// "<call> failed at <file name>:<line>: <message>".
std::string call_failure_text(const char* call, const char* file, int line,
                              const std::string& message);

// Throws std::runtime_error(call_failure_text(...)).
[[noreturn]] void throw_call_failure(const char* call, const char* file, int line,
                                     const std::string& message);

// MPI's text for an error code, e.g. "MPI_ERR_ROOT: invalid root".
std::string mpi_error_text(int code);

inline void mpi_check(int code, const char* call, const char* file, int line) {
  if (code != MPI_SUCCESS) throw_call_failure(call, file, line, mpi_error_text(code));
}

// For destructors, which must not throw: the failure goes to stderr with a "ganrun: " prefix.
void mpi_report(int code, const char* call, const char* file, int line) noexcept;

}  // namespace ganrun::launch

#define MPI_CHECK(call) ::ganrun::launch::mpi_check((call), #call, __FILE__, __LINE__)
#define MPI_CHECK_NOTHROW(call) ::ganrun::launch::mpi_report((call), #call, __FILE__, __LINE__)
