// tests/support/skip_log.cpp — appends skip records for scripts/test (see header).
#include "tests/support/skip_log.h"

#include <cerrno>
#include <cstdio>   // fopen, fputs, fclose
#include <cstdlib>  // getenv
#include <cstring>  // strerror
#include <filesystem>
#include <string>
#include <system_error>

namespace ganrun::test {

namespace {

std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

void record_skip(std::string_view case_name, std::string_view reason) {
  const char* dir = std::getenv("GANRUN_SKIP_LOG_DIR");
  if (dir == nullptr || *dir == '\0') return;
  const char* test = std::getenv("GANRUN_TEST_NAME");
  const std::string name = test != nullptr && *test != '\0' ? test : program_invocation_short_name;
  const std::string path = std::string(dir) + "/" + name + ".tsv";
  const std::string line = name + "\t" + one_line(case_name) + "\t" +
                           (reason.empty() ? std::string("(no reason given)") : one_line(reason)) +
                           "\n";
  std::error_code ignored;  // a folder that cannot be made fails the fopen below, reported there
  std::filesystem::create_directories(dir, ignored);
  // One fputs of one line in append mode: records of a test never interleave.
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr || std::fputs(line.c_str(), f) < 0 || std::fclose(f) != 0)
    std::fprintf(stderr, "skip_log: cannot append to %s: %s\n", path.c_str(), std::strerror(errno));
}

}  // namespace ganrun::test
