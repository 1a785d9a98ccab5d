// runner/reference_file.cpp — reading, writing, finding and locking reference-net files (see
// header).
#include "runner/reference_file.h"

#include <hdf5.h>

#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include "common/atomic_file.h"
#include "common/digest.h"
#include "data/h5_check.h"
#include "runner/h5_io.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

const AttrValue& manifest_value(const AttrMap& manifest, const std::string& name) {
  const auto it = manifest.find(name);
  if (it == manifest.end())
    throw std::runtime_error("reference manifest has no attribute '" + name + "'");
  return it->second;
}

template <typename T>
const T& manifest_as(const AttrMap& manifest, const std::string& name, const char* kind) {
  const auto* v = std::get_if<T>(&manifest_value(manifest, name));
  if (v == nullptr)
    throw std::runtime_error("reference manifest attribute '" + name + "' is not " + kind);
  return *v;
}

void write_int64s(hid_t loc, const std::string& name, const std::vector<int64_t>& values,
                  const fs::path& p) {
  write_extendible(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, {values.size()},
                   values.empty() ? 1 : values.size(), values.data(), p);
}

std::vector<int64_t> read_int64s(hid_t loc, const std::string& name, const fs::path& p) {
  Hid ds(H5CALL(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), p), H5Dclose);
  Hid space(H5CALL(H5Dget_space(ds), p), H5Sclose);
  std::vector<int64_t> out(static_cast<size_t>(H5CALL(H5Sget_simple_extent_npoints(space), p)));
  if (!out.empty())
    H5CALL(H5Dread(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), p);
  return out;
}

// Calls f(path, file) for every intact reference file in cache_dir whose name starts with
// `prefix`; unreadable, damaged or foreign files (and a missing folder) are skipped.
template <typename F>
void for_each_reference(const fs::path& cache_dir, const std::string& prefix, F&& f) {
  std::error_code ec;
  if (!fs::is_directory(cache_dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(cache_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || entry.path().extension() != ".h5") continue;
    try {
      f(entry.path(), read_reference_file(entry.path()));
    } catch (const std::exception&) {
      continue;  // a damaged or foreign file is not a candidate
    }
  }
}

}  // namespace

std::string manifest_text(const AttrMap& manifest, const std::string& name) {
  return manifest_as<std::string>(manifest, name, "text");
}
int64_t manifest_int(const AttrMap& manifest, const std::string& name) {
  return manifest_as<int64_t>(manifest, name, "an integer");
}
double manifest_real(const AttrMap& manifest, const std::string& name) {
  return manifest_as<double>(manifest, name, "a number");
}

std::string weights_sha256(const std::vector<NamedArray>& weights) {
  std::vector<char> all;
  for (const auto& w : weights) all.insert(all.end(), w.bytes.begin(), w.bytes.end());
  return digest_hex(DigestKind::kSha256, all.data(), all.size(), "the reference weights");
}

void write_reference_file(const fs::path& path, const ReferenceFile& reference) {
  h5::silence_errors();
  std::vector<char> image;
  {
    Hid file = h5::create_in_memory(path);
    {
      for (const auto& [name, value] : reference.manifest) write_attr(file, name, value, path);
      Hid weights = h5::create_group(file, "weights", /*track_order=*/true, path);
      write_named_arrays(weights, reference.weights, path);
      write_int64s(file, "eval_indices", reference.eval_indices, path);
      if (!reference.floors.empty()) {
        Hid floors = h5::create_group(file, "floor", /*track_order=*/true, path);
        for (const auto& [n, values] : reference.floors) {
          Hid group = h5::create_group(floors, std::to_string(n).c_str(), false, path);
          for (const auto& [name, value] : values) write_attr(group, name, value, path);
        }
      }
    }
    image = h5::file_image(file, path);
    H5CALL(file.close(), path);
  }
  write_bytes_atomically(path, image.data(), image.size(), "the reference net");
}

ReferenceFile read_reference_file(const fs::path& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw std::runtime_error(path.string() + ": no such reference file");
  try {
    Hid file = h5::open_readonly(path);
    ReferenceFile r;
    r.manifest = read_attrs(file, path);
    const auto format = r.manifest.find("format");
    if (format == r.manifest.end() || format->second != AttrValue(std::string(kReferenceFormat)))
      throw std::runtime_error(std::string("not a ") + kReferenceFormat + " file");
    Hid weights(H5CALL(H5Gopen2(file, "weights", H5P_DEFAULT), path), H5Gclose);
    r.weights = read_named_arrays(weights, "/weights", path);
    for (const NamedArray& a : r.weights)
      if (a.is_float64) throw std::runtime_error("/weights/" + a.name + " is not float32");
    const std::string expected = manifest_text(r.manifest, "net_sha256");
    const std::string actual = weights_sha256(r.weights);
    if (actual != expected)
      throw std::runtime_error("the weights' SHA-256 is " + actual + ", the manifest says " +
                               expected + " (a damaged or edited file)");
    r.eval_indices = read_int64s(file, "eval_indices", path);
    if (H5CALL(H5Lexists(file, "floor", H5P_DEFAULT), path) > 0) {
      Hid floors(H5CALL(H5Gopen2(file, "floor", H5P_DEFAULT), path), H5Gclose);
      for (const std::string& name : h5::link_names(floors, path)) {
        Hid group(H5CALL(H5Gopen2(floors, name.c_str(), H5P_DEFAULT), path), H5Gclose);
        r.floors[std::stoll(name)] = read_attrs(group, path);
      }
    }
    return r;
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": not a usable reference net: " + e.what());
  }
}

fs::path reference_cache_dir(const std::string& cache) {
  if (!cache.empty()) return cache;
  if (const char* c = std::getenv("GANRUN_CACHE"); c != nullptr && *c != '\0')
    return fs::path(c) / "references";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".cache" / "ganrun" / "references";
}

std::string reference_file_name(const AttrMap& manifest) {
  std::string stamp;
  for (char c : manifest_text(manifest, "created"))
    if (c != '-' && c != ':') stamp += c;
  return manifest_text(manifest, "dataset") + "-" + manifest_text(manifest, "net") + "-" + stamp +
         "-" + manifest_text(manifest, "net_sha256").substr(0, 8) + ".h5";
}

std::optional<fs::path> find_reference(const fs::path& cache_dir, const std::string& dataset,
                                       const std::string& net) {
  std::optional<fs::path> best;
  std::string best_key;
  for_each_reference(cache_dir, dataset + "-" + net + "-",
                     [&](const fs::path& path, const ReferenceFile& r) {
                       if (manifest_text(r.manifest, "dataset") != dataset ||
                           manifest_text(r.manifest, "net") != net)
                         return;
                       const std::string key =
                           manifest_text(r.manifest, "created") + "/" + path.filename().string();
                       if (!best || key > best_key) {
                         best = path;
                         best_key = key;
                       }
                     });
  return best;
}

std::optional<fs::path> find_reference_by_sha(const fs::path& cache_dir, const std::string& sha) {
  std::optional<fs::path> found;
  for_each_reference(cache_dir, "", [&](const fs::path& path, const ReferenceFile& r) {
    if (!found && manifest_text(r.manifest, "net_sha256") == sha) found = path;
  });
  return found;
}

namespace {

// The lock file of a data set's reference, its folder created first.
fs::path reference_lock_path(const fs::path& cache_dir, const std::string& dataset,
                             const std::string& net) {
  fs::create_directories(cache_dir);
  return cache_dir / ("." + dataset + "-" + net + ".lock");
}

}  // namespace

ReferenceLock::ReferenceLock(const fs::path& cache_dir, const std::string& dataset,
                             const std::string& net)
    : lock_(reference_lock_path(cache_dir, dataset, net)) {}

}  // namespace ganrun
