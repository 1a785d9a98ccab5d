// tests/mpi/pack_shard_test.cpp — under mpiexec: ranks sharing a global batch read their shards
// of the one sample order from an HDF5 pack on demand. Each rank must read exactly the rows of
// its slices, get the same rows as the whole set in memory, and the slices must tile the batch.
#include <ATen/Parallel.h>  // at::set_num_threads
#include <mpi.h>            // MPI_Allgather, MPI_Allreduce (MpiSession has no sum or gather)
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "data/hdf5_pack.h"
#include "data/idx_reader.h"
#include "data/sample_order.h"
#include "launch/mpi_check.h"
#include "launch/mpi_session.h"
#include "tests/support/skip_log.h"

namespace {

namespace fs = std::filesystem;
using namespace ganrun;

constexpr int64_t kGlobalBatch = 64;    // the global batch the ranks share
constexpr int64_t kCriticUpdates = 20;  // each takes a fresh global batch
constexpr uint64_t kSeed = 17;

fs::path mnist_dir() {
  const char* env = std::getenv("GANRUN_SHARED_DATA");
  return fs::path(env != nullptr && *env != '\0' ? env : "../shared/data") / "mnist";
}

// The real MNIST test set when the shared data is there, else a synthetic stand-in of the
// same shape (so the test still runs in a checkout without ../shared/data; the real-data case
// is then recorded as skipped).
data::Dataset load_set(bool* real) {
  const fs::path mnist = mnist_dir();
  if (fs::exists(mnist / "t10k-images-idx3-ubyte.gz")) {
    *real = true;
    return data::read_idx_pair(mnist, "t10k");
  }
  *real = false;
  const int64_t n = 3000;
  data::Dataset d;
  d.name = "synthetic";
  d.split = "test";
  const auto i = torch::arange(n, torch::kInt64).view({n, 1, 1, 1});
  const auto p = torch::arange(28 * 28, torch::kInt64).view({1, 1, 28, 28});
  d.images = ((i * 31 + p * 7) % 251).to(torch::kUInt8);
  d.labels = torch::arange(n, torch::kInt64) % 10;
  return d;
}

struct Checks {
  int passed = 0, failed = 0;
  int rank = 0;
  void expect(bool ok, const std::string& what) {
    if (ok) {
      ++passed;
    } else {
      ++failed;
      std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what.c_str());
    }
  }
};

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

void run(const launch::MpiSession& mpi, Checks& checks) {
  // First, so a rank count that does not divide the batch fails before anything is written.
  const auto shard = data::shard_of(kGlobalBatch, mpi.rank(), mpi.size());
  bool real = false;
  const data::Dataset whole = load_set(&real);  // every rank: the reference held in memory
  if (!real && mpi.is_root())
    test::record_skip("shards of the real MNIST test set",
                      "MNIST test set not found in " + mnist_dir().string() +
                          ": ran on a synthetic stand-in; set GANRUN_SHARED_DATA to the shared "
                          "data folder");

  // Rank 0 writes the pack into a folder of its own; the others learn the path from it. Every
  // failure below is caught on its rank and agreed on, so no rank is left waiting in a
  // collective that another rank will never reach.
  std::string dir;
  if (mpi.is_root()) {
    try {
      std::string tmpl = (fs::temp_directory_path() / "ganrun-pack-shard-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      dir = tmpl;
      data::write_pack(whole, real ? "mnist t10k (shared data)" : "synthetic",
                       fs::path(dir) / "set.h5");
    } catch (const std::exception& e) {
      checks.expect(false, std::string("writing the pack: ") + e.what());
      dir.clear();
    }
    std::printf("pack_shard_test: %d ranks, %s set of %lld images, global batch %lld\n", mpi.size(),
                real ? "MNIST test" : "synthetic", static_cast<long long>(whole.size()),
                static_cast<long long>(kGlobalBatch));
  }
  dir = mpi.broadcast_string(dir);  // also the barrier: the pack is renamed into place by now
  if (dir.empty()) throw std::runtime_error("rank 0 could not write the pack");
  const fs::path pack = fs::path(dir) / "set.h5";

  // A budget one byte short of the set: the on-demand source.
  const int64_t set_bytes = whole.size() * whole.channels() * whole.height() * whole.width();
  std::unique_ptr<data::BatchSource> source;
  try {
    source = data::open_pack_source(pack, set_bytes - 1, torch::kCPU);
  } catch (const std::exception& e) {
    checks.expect(false, std::string("opening the pack: ") + e.what());
  }
  if (mpi.allreduce_max(source ? 0 : 1) != 0) {
    mpi.barrier();
    if (mpi.is_root()) fs::remove_all(dir);
    throw std::runtime_error("a rank could not open the pack");
  }
  checks.expect(source->size() == whole.size(), "pack size equals the set's");
  checks.expect(source->rows_read() == 0, "opening the pack reads no image rows");

  data::SampleOrder order(whole.size(), kGlobalBatch, kSeed);
  std::set<int64_t> asked;
  for (int64_t u = 0; u < kCriticUpdates; ++u) {
    const int64_t epoch = u / order.batches_per_epoch();
    const int64_t b = u % order.batches_per_epoch();
    const auto idx = order.indices(epoch, b, shard.offset, shard.count);
    const auto mine = to_vector(idx);
    const std::string at = "update " + std::to_string(u) + ": ";
    try {
      const int64_t before = source->rows_read();
      const auto images = source->images(idx, torch::kCPU);
      const auto labels = source->labels(idx, torch::kCPU);
      const std::set<int64_t> distinct(mine.begin(), mine.end());
      asked.insert(mine.begin(), mine.end());
      checks.expect(source->rows_read() - before == static_cast<int64_t>(distinct.size()),
                    at + "read " + std::to_string(source->rows_read() - before) + " rows for " +
                        std::to_string(distinct.size()) + " distinct indices");
      checks.expect(torch::equal(images, whole.images.index_select(0, idx)),
                    at + "images equal the same rows of the set in memory");
      checks.expect(torch::equal(labels, whole.labels.index_select(0, idx)),
                    at + "labels equal the same rows of the set in memory");
    } catch (const std::exception& e) {
      checks.expect(false, at + e.what());  // and still join the collective below
    }

    // The ranks' slices, gathered in rank order, are the single-rank global batch.
    std::vector<int64_t> all(static_cast<size_t>(shard.count * mpi.size()));
    MPI_CHECK(MPI_Allgather(mine.data(), static_cast<int>(shard.count), MPI_INT64_T, all.data(),
                            static_cast<int>(shard.count), MPI_INT64_T, MPI_COMM_WORLD));
    checks.expect(all == to_vector(order.indices(epoch, b, 0, kGlobalBatch)),
                  at + "the ranks' slices concatenate to the global batch");
    checks.expect(std::set<int64_t>(all.begin(), all.end()).size() == all.size(),
                  at + "the ranks' slices are disjoint");
  }
  checks.expect(source->rows_read() == static_cast<int64_t>(asked.size()),
                "over all updates: read " + std::to_string(source->rows_read()) + " rows for " +
                    std::to_string(asked.size()) + " distinct indices");
  checks.expect(source->rows_read() < whole.size(), "read less than the whole set");

  source.reset();  // closes the file
  mpi.barrier();   // every rank has closed the pack before rank 0 removes it
  if (mpi.is_root()) fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  launch::MpiSession mpi(&argc, &argv);
  at::set_num_threads(1);  // ranks share the machine's cores
  Checks checks;
  checks.rank = mpi.rank();
  try {
    run(mpi, checks);
  } catch (const std::exception& e) {
    checks.expect(false, std::string("exception: ") + e.what());
  }
  int counts[2] = {checks.passed, checks.failed}, totals[2] = {0, 0};
  MPI_CHECK(MPI_Allreduce(counts, totals, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
  if (mpi.is_root())
    std::printf("pack_shard_test: %d passed, %d failed (over %d ranks)\n", totals[0], totals[1],
                mpi.size());
  return mpi.allreduce_max(checks.failed > 0 ? 1 : 0);
}
