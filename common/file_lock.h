// common/file_lock.h — an exclusive flock(2) held for a scope: on a folder (its descriptor) or
// on a lock file (created when missing). A second process asking for it sleeps in the kernel
// until the first releases it, so waiters do not spin on cores they share with the holder.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace ganrun {

class ExclusiveFileLock {
 public:
  // Blocks until the lock is held. std::runtime_error naming the path and the cause when it
  // cannot be opened or locked.
  explicit ExclusiveFileLock(const std::filesystem::path& path);
  ~ExclusiveFileLock();  // closing the descriptor releases the lock
  ExclusiveFileLock(const ExclusiveFileLock&) = delete;
  ExclusiveFileLock& operator=(const ExclusiveFileLock&) = delete;

 private:
  int fd_ = -1;
};

// A lock that is not waited for and says who holds it: an exclusive, non-blocking flock(2) on
// a lock file holding its holder's description (host, pid, since). flock ends with its holder's
// process, so a lock left by a killed process is free again (its stale text is replaced).
class NamedFileLock {
 public:
  // The lock when it is free (then `holder` is written into the file), else nullptr with the
  // current holder's text in *current. std::runtime_error naming the path when it cannot be
  // opened.
  static std::unique_ptr<NamedFileLock> try_hold(const std::filesystem::path& path,
                                                 const std::string& holder, std::string* current);
  ~NamedFileLock();
  NamedFileLock(const NamedFileLock&) = delete;
  NamedFileLock& operator=(const NamedFileLock&) = delete;

 private:
  explicit NamedFileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ganrun
