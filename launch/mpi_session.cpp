// launch/mpi_session.cpp — MPI set-up and agreement collectives (see header).
#include "launch/mpi_session.h"

#include <stdexcept>
#include <string>

#include "launch/mpi_check.h"

namespace ganrun::launch {

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialized = 0;
  MPI_CHECK(MPI_Initialized(&initialized));
  if (initialized) throw std::logic_error("MpiSession: MPI is already initialised");
  int provided = 0;
  MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  // Errors come back as codes (and become exceptions through MPI_CHECK) instead of aborting the
  // job; communicators split from these two inherit the handler.
  MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  MPI_CHECK(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_));
  MPI_CHECK(MPI_Comm_rank(node_, &local_rank_));
  MPI_CHECK(MPI_Comm_size(node_, &local_size_));
}

MpiSession::~MpiSession() {
  if (node_ != MPI_COMM_NULL) MPI_CHECK_NOTHROW(MPI_Comm_free(&node_));
  MPI_CHECK_NOTHROW(MPI_Finalize());
}

int MpiSession::allreduce_max(int value) const {
  int result = value;
  MPI_CHECK(MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  return result;
}

int MpiSession::allreduce_min(int value) const {
  int result = value;
  MPI_CHECK(MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  return result;
}

void MpiSession::barrier() const { MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); }

std::string MpiSession::broadcast_string(const std::string& value) const {
  long long n = static_cast<long long>(value.size());
  MPI_CHECK(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD));
  std::string out = rank_ == 0 ? value : std::string(static_cast<size_t>(n), '\0');
  if (n > 0) MPI_CHECK(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD));
  return out;
}

std::vector<int64_t> MpiSession::broadcast_int64s(const std::vector<int64_t>& values) const {
  long long n = static_cast<long long>(values.size());
  MPI_CHECK(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD));
  std::vector<int64_t> out = rank_ == 0 ? values : std::vector<int64_t>(static_cast<size_t>(n));
  if (n > 0) MPI_CHECK(MPI_Bcast(out.data(), static_cast<int>(n), MPI_INT64_T, 0, MPI_COMM_WORLD));
  return out;
}

std::vector<std::string> MpiSession::gather_strings(const std::string& value) const {
  int n = static_cast<int>(value.size());
  std::vector<int> sizes(rank_ == 0 ? static_cast<size_t>(size_) : 0);
  MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD));
  std::vector<int> offsets(sizes.size());
  int total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    offsets[i] = total;
    total += sizes[i];
  }
  std::string all(static_cast<size_t>(total), '\0');
  MPI_CHECK(MPI_Gatherv(value.data(), n, MPI_CHAR, all.data(), sizes.data(), offsets.data(),
                        MPI_CHAR, 0, MPI_COMM_WORLD));
  std::vector<std::string> out;
  for (size_t i = 0; i < sizes.size(); ++i)
    out.push_back(all.substr(static_cast<size_t>(offsets[i]), static_cast<size_t>(sizes[i])));
  return out;
}

}  // namespace ganrun::launch
