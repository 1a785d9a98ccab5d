// runner/status_command.cpp — `ganrun status OUT [--watch [SECONDS]]`: a table of the runs in
// OUT/runs read from their files (which can be read at any moment, also while runs write them):
// id, status, step/total, the last losses and quality score, steps per second, ETA, attempts.
// --watch prints it again every SECONDS (default 5) until no run is still running.
#include <fmt/format.h>
#include <unistd.h>  // isatty

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/run_file.h"
#include "runner/subcommands.h"
#include "runner/tables.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : "-"; }

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

int64_t int_attr(const AttrMap& attrs, const std::string& name, int64_t fallback) {
  const auto it = attrs.find(name);
  return it != attrs.end() && std::holds_alternative<int64_t>(it->second)
             ? std::get<int64_t>(it->second)
             : fallback;
}

// The quality column: the newest Fréchet distance in a reference net's features, else the toy
// runs' modes covered.
std::string quality(const RunFileSummary& s) {
  for (const auto& [name, value] : s.last_eval)
    if (name.rfind("fd_", 0) == 0) return name + " " + number(value);
  if (auto it = s.last_eval.find("modes_covered"); it != s.last_eval.end())
    return "modes " + number(it->second);
  return "-";
}

// One table of every run file; `running` counts the runs still running.
std::string status_table(const fs::path& runs_dir, int* running) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(runs_dir))
    if (entry.path().extension() == ".h5") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::vector<std::string>> rows{
      {"run", "status", "step", "d_loss", "g_loss", "quality", "it/s", "ETA", "attempts"}};
  *running = 0;
  for (const auto& path : files) {
    std::optional<RunFileSummary> s;
    try {
      s = read_run_summary(path);
    } catch (const std::exception&) {
      rows.push_back({path.stem().string(), "unreadable", "-", "-", "-", "-", "-", "-", "-"});
      continue;
    }
    if (!s) continue;  // removed meanwhile
    const int64_t total = int_attr(s->attrs, "total_steps", -1);
    const int64_t done = std::max<int64_t>(s->last_step, 0);
    const bool is_running = s->status == "running";
    *running += is_running;
    const double eta = is_running && total > 0 ? (total - done) / s->steps_per_second : NAN;
    auto metric = [&](const char* name) {
      const auto it = s->last_metrics.find(name);
      return it == s->last_metrics.end() ? std::string("-") : number(it->second);
    };
    rows.push_back(
        {path.stem().string(), s->status,
         fmt::format("{}/{}", done, total < 0 ? std::string("?") : std::to_string(total)),
         metric("d_loss"), metric("g_loss"), quality(*s),
         is_running ? number(s->steps_per_second) : "-", duration(eta),
         std::to_string(int_attr(s->attrs, "attempts", 1))});
  }
  return fmt::format("{} run file(s) in {}\n{}", files.size(), runs_dir.string(),
                     format_table(rows));
}

}  // namespace

int status_main(int argc, char** argv, launch::MpiSession& mpi) {
  std::string out;
  double watch = -1;  // seconds between tables; < 0: print once
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      if (mpi.is_root())
        fmt::print(
            "ganrun status OUT [--watch [SECONDS]]: a table of OUT's runs (status, step, "
            "losses, quality, it/s, ETA, attempts); --watch repeats it every SECONDS (5) until "
            "no run is running\n");
      return kExitOk;
    }
    if (arg == "--watch") {
      watch = 5;
      if (i + 1 < argc && argv[i + 1][0] != '-' && !out.empty()) {
        try {
          watch = std::stod(argv[++i]);
        } catch (const std::exception&) {
          throw ConfigError(fmt::format("--watch takes seconds (got '{}')", argv[i]));
        }
        if (!(watch > 0)) throw ConfigError(fmt::format("--watch must be > 0 (got {})", watch));
      }
    } else if (out.empty() && arg[0] != '-') {
      out = arg;
    } else {
      throw ConfigError(
          fmt::format("ganrun status: unexpected argument '{}' (ganrun status "
                      "--help)",
                      arg));
    }
  }
  if (out.empty()) throw ConfigError("ganrun status needs the out folder: ganrun status OUT");
  const fs::path runs_dir = fs::path(out) / "runs";
  if (!fs::is_directory(runs_dir))
    throw ConfigError(
        fmt::format("'{}' has no runs folder: give a ganrun out folder (the "
                    "sweep's out, or ganrun train's --out)",
                    out));
  if (!mpi.is_root()) return kExitOk;
  const bool terminal = ::isatty(STDOUT_FILENO) != 0;
  while (true) {
    int running = 0;
    const std::string table = status_table(runs_dir, &running);
    // On a terminal the table is redrawn in place; elsewhere each one follows the last.
    fmt::print("{}{}\n", terminal && watch > 0 ? "\033[H\033[J" : "", table);
    std::fflush(stdout);
    if (watch <= 0 || running == 0) return kExitOk;
    std::this_thread::sleep_for(std::chrono::duration<double>(watch));
  }
}

}  // namespace ganrun
