// common/file_lock.cpp — ExclusiveFileLock (see header).
#include "common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>  // flock
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ganrun {

ExclusiveFileLock::ExclusiveFileLock(const std::filesystem::path& path) {
  std::error_code ec;
  const bool folder = std::filesystem::is_directory(path, ec);
  fd_ = folder ? ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
               : ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error(path.string() +
                             ": cannot open it to lock it: " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    throw std::runtime_error(path.string() + ": cannot lock it: " + std::strerror(err));
  }
}

ExclusiveFileLock::~ExclusiveFileLock() {
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<NamedFileLock> NamedFileLock::try_hold(const std::filesystem::path& path,
                                                       const std::string& holder,
                                                       std::string* current) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(path.string() +
                             ": cannot open the lock file: " + std::strerror(errno));
  int rc = 0;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    const int err = errno;
    std::string text(512, '\0');
    const ssize_t n = ::pread(fd, text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    ::close(fd);
    if (err != EWOULDBLOCK)
      throw std::runtime_error(path.string() + ": cannot lock it: " + std::strerror(err));
    if (current != nullptr) *current = text.empty() ? "an unnamed process" : text;
    return nullptr;
  }
  const std::string line = holder + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) < 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error(path.string() + ": cannot write the lock file: " + std::strerror(err));
  }
  return std::unique_ptr<NamedFileLock>(new NamedFileLock(fd));
}

NamedFileLock::~NamedFileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ganrun
