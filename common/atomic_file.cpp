// common/atomic_file.cpp — write-then-rename with fsyncs (see atomic_file.h); POSIX only.
#include "common/atomic_file.h"

#include <fcntl.h>   // ::open, O_RDONLY, O_WRONLY, O_CREAT, O_DIRECTORY, O_CLOEXEC
#include <unistd.h>  // ::fsync, ::close, ::write

#include <cerrno>
#include <cstdio>   // std::rename
#include <cstring>  // std::strerror
#include <stdexcept>
#include <string>
#include <system_error>

namespace ganrun {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_errno(const std::string& what, const fs::path& p, int err) {
  throw std::runtime_error(what + " " + p.string() + ": " + std::strerror(err));
}

// fsync a file or folder by path (a folder's fsync makes a rename inside it durable).
void fsync_path(const fs::path& p, bool directory) {
  int flags = O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
  int fd = ::open(p.c_str(), flags);
  if (fd < 0) throw_errno("cannot open for fsync", p, errno);
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    throw_errno("fsync failed on", p, err);
  }
  ::close(fd);
}

}  // namespace

fs::path snapshot_tmp_path(const fs::path& path) {
  return path.parent_path() / ("." + path.filename().string() + ".tmp");
}

bool is_snapshot_tmp_name(const std::string& filename) {
  return filename.size() > 5 && filename.front() == '.' && filename.ends_with(".tmp");
}

void publish_file(const fs::path& tmp, const fs::path& path) {
  fsync_path(tmp, false);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw_errno("cannot rename " + tmp.string() + " to", path, errno);
  const fs::path dir = path.parent_path();
  fsync_path(dir.empty() ? fs::path(".") : dir, true);
}

void write_file_atomically(const fs::path& path,
                           const std::function<void(const fs::path& tmp)>& write,
                           const std::string& what) {
  const fs::path tmp = snapshot_tmp_path(path);
  try {
    write(tmp);
    publish_file(tmp, path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw std::runtime_error(path.string() + ": cannot write " + what + ": " + e.what());
  }
}

void write_bytes_atomically(const fs::path& path, const void* data, std::size_t size,
                            const std::string& what) {
  write_file_atomically(
      path,
      [&](const fs::path& tmp) {
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw_errno("cannot create", tmp, errno);
        const auto* p = static_cast<const char*>(data);
        for (std::size_t done = 0; done < size;) {
          const ssize_t n = ::write(fd, p + done, size - done);
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw_errno("cannot write", tmp, err);
          }
          done += static_cast<std::size_t>(n);
        }
        if (::close(fd) != 0) throw_errno("cannot close", tmp, errno);
      },
      what);
}

}  // namespace ganrun
