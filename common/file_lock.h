// common/file_lock.h — an exclusive flock(2) held for a scope: on a folder (its descriptor) or
// on a lock file (created when missing). A second process asking for it sleeps in the kernel
// until the first releases it, so waiters do not spin on cores they share with the holder.
#pragma once

#include <filesystem>

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

}  // namespace ganrun
