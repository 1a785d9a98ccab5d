// common/atomic_file.h — replace a file atomically: write "<dir>/.<name>.tmp", fsync it, rename it
// over the target, fsync the folder. Readers see the old file or the new one, never a mix, and a
// kill at any moment leaves one of the two (plus, at worst, a stale .tmp to remove). Every
// writer of ganrun's durable files (run files, the sweep index, packs, fetched files, PNG
// grids) goes through here.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace ganrun {

// "<dir>/.<name>.tmp" for "<dir>/<name>": same folder, so the rename never crosses file systems.
std::filesystem::path snapshot_tmp_path(const std::filesystem::path& path);

// True for names snapshot_tmp_path makes (".<something>.tmp").
bool is_snapshot_tmp_name(const std::string& filename);

// Makes the complete, closed file `tmp` durable and gives it the name `path`: fsync tmp, rename
// it over path, fsync the folder (which makes the rename durable). tmp must be in path's folder.
// Throws std::runtime_error naming the file and the cause (strerror); tmp is left in place, so
// a caller that keeps partial files (fetch's .part) decides what happens to it.
void publish_file(const std::filesystem::path& tmp, const std::filesystem::path& path);

// Calls write(tmp) to create and close the complete file at snapshot_tmp_path(path), then
// publish_file(tmp, path). On any failure the tmp file is removed, path is left as it was, and
// std::runtime_error "<path>: cannot write <what>: <cause>" is thrown (what: "the file", "the
// pack", "the PNG", ... for the message).
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const std::filesystem::path& tmp)>& write,
                           const std::string& what = "the file");

// write_file_atomically of `size` bytes at `data` (written with POSIX write, errors with strerror).
void write_bytes_atomically(const std::filesystem::path& path, const void* data, std::size_t size,
                            const std::string& what = "the file");

}  // namespace ganrun
