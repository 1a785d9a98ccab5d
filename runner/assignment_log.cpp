// runner/assignment_log.cpp — the per-rank assignment log files (see header).
#include "runner/assignment_log.h"

#include <fcntl.h>   // open, O_APPEND
#include <unistd.h>  // write, close

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>  // std::strerror
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace ganrun {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHeader = "# invocation\trank\tgroup\trun_id\tstart\tend\toutcome\n";

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string format_time(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", t);
  return buf;
}

void write_all(int fd, const std::string& text, const fs::path& path) {
  // O_APPEND makes each write land at the end as one piece; a short write is retried.
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path.string() + ": write failed: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

fs::path assignments_dir(const fs::path& out) { return out / "assignments"; }

AssignmentLog::AssignmentLog(const fs::path& dir, int64_t invocation, int rank, int group)
    : path_(dir / ("rank-" + std::to_string(rank) + ".tsv")) {
  fs::create_directories(dir);
  const bool existed = fs::exists(path_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(path_.string() + ": cannot open: " + std::strerror(errno));
  if (!existed) {
    write_all(fd_, kHeader, path_);
  } else {
    // A kill mid-line leaves a line without its newline: end it, so the next line stands alone.
    std::ifstream in(path_, std::ios::binary | std::ios::ate);
    if (in.tellg() > 0) {
      in.seekg(-1, std::ios::end);
      if (in.get() != '\n') write_all(fd_, "\n", path_);
    }
  }
  base_.invocation = invocation;
  base_.rank = rank;
  base_.group = group;
}

AssignmentLog::~AssignmentLog() {
  if (fd_ >= 0) ::close(fd_);
}

Assignment AssignmentLog::started(const std::string& run_id) {
  Assignment a = base_;
  a.run_id = run_id;
  a.start = unix_now();
  a.outcome = "running";
  append(a);
  return a;
}

void AssignmentLog::ended(Assignment a, const std::string& outcome) {
  a.end = unix_now();
  a.outcome = outcome;
  append(a);
}

void AssignmentLog::append(const Assignment& a) {
  write_all(fd_, format_assignment_line(a), path_);
}

std::string format_assignment_line(const Assignment& a) {
  return std::to_string(a.invocation) + "\t" + std::to_string(a.rank) + "\t" +
         std::to_string(a.group) + "\t" + a.run_id + "\t" + format_time(a.start) + "\t" +
         (a.end < 0 ? std::string("-") : format_time(a.end)) + "\t" + a.outcome + "\n";
}

bool parse_assignment_line(const std::string& line, Assignment* out) {
  if (line.empty() || line[0] == '#') return false;
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, '\t');) fields.push_back(f);
  if (fields.size() != 7 || fields[3].empty() || fields[6].empty()) return false;
  try {
    size_t used = 0;
    Assignment a;
    a.invocation = std::stoll(fields[0], &used);
    if (used != fields[0].size()) return false;
    a.rank = std::stoll(fields[1], &used);
    if (used != fields[1].size()) return false;
    a.group = std::stoll(fields[2], &used);
    if (used != fields[2].size()) return false;
    a.run_id = fields[3];
    a.start = std::stod(fields[4], &used);
    if (used != fields[4].size()) return false;
    if (fields[5] != "-") {
      a.end = std::stod(fields[5], &used);
      if (used != fields[5].size()) return false;
    }
    a.outcome = fields[6];
    *out = std::move(a);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::vector<Assignment> read_assignments(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  // Keyed by (invocation, rank, run id, start text as parsed): the end line replaces the start.
  std::map<std::tuple<int64_t, int64_t, std::string, double>, Assignment> merged;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("rank-", 0) != 0 || entry.path().extension() != ".tsv") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      Assignment a;
      if (!parse_assignment_line(line, &a)) continue;
      auto& slot = merged[{a.invocation, a.rank, a.run_id, a.start}];
      if (slot.run_id.empty() || a.end >= 0) slot = a;
    }
  }
  std::vector<Assignment> out;
  for (auto& [key, a] : merged) out.push_back(std::move(a));
  std::stable_sort(out.begin(), out.end(), [](const Assignment& x, const Assignment& y) {
    return std::tie(x.invocation, x.start, x.rank) < std::tie(y.invocation, y.start, y.rank);
  });
  return out;
}

int64_t next_invocation(const std::vector<Assignment>& log) {
  int64_t last = 0;
  for (const auto& a : log) last = std::max(last, a.invocation);
  return last + 1;
}

}  // namespace ganrun
