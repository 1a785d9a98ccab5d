/* tests/tools/kill_shim.c — LD_PRELOAD shim for the kill tests: counts write calls (write,
 * pwrite, writev: libstdc++'s streams, which LibTorch's archives use, write with writev) on files
 * whose path matches KILL_SHIM_MATCH — '|'-separated alternatives, each a ':'-separated list of
 * parts the path must all contain — and raises SIGKILL at the KILL_SHIM_AT-th one (before it
 * writes). With KILL_SHIM_LOG set it appends "count write path"
 * per counted write and "count rename path" when a matching file is renamed (a snapshot ends),
 * so a test can see where each snapshot of a run file begins and ends. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long counted = 0;

/* Whether `path` contains every ':'-separated part of `alternative`. */
static int all_parts_in(const char* path, char* alternative) {
  for (char *save = NULL, *part = strtok_r(alternative, ":", &save); part != NULL;
       part = strtok_r(NULL, ":", &save))
    if (strstr(path, part) == NULL) return 0;
  return 1;
}

static int name_matches(const char* path) {
  const char* match = getenv("KILL_SHIM_MATCH");
  if (match == NULL || *match == '\0') return 0;
  char alternatives[512];
  snprintf(alternatives, sizeof alternatives, "%s", match);
  for (char *save = NULL, *alt = strtok_r(alternatives, "|", &save); alt != NULL;
       alt = strtok_r(NULL, "|", &save))
    if (all_parts_in(path, alt)) return 1;
  return 0;
}

static int path_matches(int fd, char* path, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, size - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return name_matches(path);
}

static void log_line(const char* kind, const char* path) {
  const char* log = getenv("KILL_SHIM_LOG");
  if (log == NULL) return;
  FILE* f = fopen(log, "a");
  if (f == NULL) return;
  fprintf(f, "%ld %s %s\n", counted, kind, path);
  fclose(f);
}

static void before_write(int fd) {
  char path[PATH_MAX];
  if (!path_matches(fd, path, sizeof path)) return;
  ++counted;
  log_line("write", path);
  const char* at = getenv("KILL_SHIM_AT");
  if (at != NULL && counted == atol(at)) raise(SIGKILL);
}

/* A snapshot ends with the rename of its temporary file: logged so tests can tell the
 * snapshots (commits) apart. */
int rename(const char* from, const char* to) {
  static int (*real)(const char*, const char*) = NULL;
  if (real == NULL) real = (int (*)(const char*, const char*))dlsym(RTLD_NEXT, "rename");
  if (name_matches(from)) log_line("rename", from);
  return real(from, to);
}

ssize_t write(int fd, const void* buf, size_t count) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  before_write(fd);
  return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  before_write(fd);
  return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off64_t) = NULL;
  if (real == NULL)
    real = (ssize_t(*)(int, const void*, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
  before_write(fd);
  return real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  static ssize_t (*real)(int, const struct iovec*, int) = NULL;
  if (real == NULL) real = (ssize_t(*)(int, const struct iovec*, int))dlsym(RTLD_NEXT, "writev");
  before_write(fd);
  return real(fd, iov, iovcnt);
}
