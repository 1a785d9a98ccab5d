// runner/reference_file.h — a reference classifier as one HDF5 file in the reference cache
// (docs/evaluation.md): the manifest as root attributes (dataset, net, which images trained it
// and their checksum, held-out accuracy, seed, ganrun version, the net's own checksum), the
// weights under /weights, the held-out images' order under /eval_indices and any real-vs-real
// floors under /floor/<N>. Choosing one (by dataset and net, newest first), the cache folder
// and the lock that lets one process train while the others sleep. Knows nothing of torch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/file_lock.h"
#include "runner/run_file.h"  // AttrMap, NamedArray

namespace ganrun {

inline constexpr const char* kReferenceFormat = "ganrun-reference-v1";

struct ReferenceFile {
  AttrMap manifest;                 // root attributes (format, dataset, net, ...)
  std::vector<NamedArray> weights;  // float32, in the net's parameter order
  std::vector<int64_t> eval_indices;
  std::map<int64_t, AttrMap> floors;  // N -> real-vs-real metric values at N
};

// The manifest's values (std::runtime_error naming the attribute when missing or mistyped).
std::string manifest_text(const AttrMap& manifest, const std::string& name);
int64_t manifest_int(const AttrMap& manifest, const std::string& name);
double manifest_real(const AttrMap& manifest, const std::string& name);

// SHA-256 over the arrays' bytes in order: the net's checksum (manifest net_sha256).
std::string weights_sha256(const std::vector<NamedArray>& weights);

// Written atomically (write-then-rename). Throws on I/O errors.
void write_reference_file(const std::filesystem::path& path, const ReferenceFile& reference);

// Reads and checks the format and the weights' checksum against net_sha256. Throws
// std::runtime_error naming the file when it is not a readable, intact reference.
ReferenceFile read_reference_file(const std::filesystem::path& path);

// The folder references live in: `cache` when given, else $GANRUN_CACHE/references, else
// ~/.cache/ganrun/references.
std::filesystem::path reference_cache_dir(const std::string& cache = "");

// "<dataset>-<net>-<created, YYYYmmddTHHMMSSZ>-<net_sha256[:8]>.h5".
std::string reference_file_name(const AttrMap& manifest);

// The newest intact reference in `cache_dir` for the data set and net (by the manifest's
// `created`, then the name), nullopt when there is none. Unreadable files are skipped.
std::optional<std::filesystem::path> find_reference(const std::filesystem::path& cache_dir,
                                                    const std::string& dataset,
                                                    const std::string& net);

// The intact reference in `cache_dir` whose weights have this SHA-256 (the one an existing /eval
// series names), nullopt when there is none.
std::optional<std::filesystem::path> find_reference_by_sha(const std::filesystem::path& cache_dir,
                                                           const std::string& sha);

// An exclusive lock on "<cache_dir>/.<dataset>-<net>.lock" (flock): a second process asking for
// it sleeps in the kernel until the first releases it, so waiting ranks do not spin on cores
// they share with the trainer. Released when destroyed.
class ReferenceLock {
 public:
  ReferenceLock(const std::filesystem::path& cache_dir, const std::string& dataset,
                const std::string& net);

 private:
  ExclusiveFileLock lock_;
};

}  // namespace ganrun
