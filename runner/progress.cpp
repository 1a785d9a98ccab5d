// runner/progress.cpp — throttled progress lines (see header).
#include "runner/progress.h"

#include <fmt/format.h>
#include <unistd.h>  // isatty, fileno

#include <cmath>

namespace ganrun {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

ProgressReporter::ProgressReporter(int rank, std::string run_id, int64_t total_steps,
                                   std::FILE* out)
    : rank_(rank),
      run_id_(std::move(run_id)),
      total_(total_steps),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      // A terminal line is cheap to rewrite; log files and mpirun's pipes get fewer lines.
      min_interval_s_(tty_ ? 0.5 : 2.0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void ProgressReporter::report(int64_t steps_done, double d_loss, double g_loss, bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double since_last = std::chrono::duration<double>(now - last_print_).count();
  if (!force && printed_ && since_last < min_interval_s_) return;
  if (!force && !printed_ &&
      std::chrono::duration<double>(now - start_).count() < min_interval_s_ && steps_done < total_)
    return;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(steps_done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - steps_done) / rate : NAN;
  const auto line =
      fmt::format("[rank {}] {}  step {}/{}  d {:.4f}  g {:.4f}  {:.1f} it/s  ETA {}", rank_,
                  run_id_, steps_done, total_, d_loss, g_loss, rate, format_duration(eta));
  if (tty_)
    fmt::print(out_, "\r\033[K{}", line);
  else
    fmt::print(out_, "{}\n", line);
  std::fflush(out_);
  last_print_ = now;
  printed_ = true;
}

void ProgressReporter::finish(const std::string& state) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (tty_ && printed_) fmt::print(out_, "\n");
  fmt::print(out_, "[rank {}] {}  {} after {}\n", rank_, run_id_, state, format_duration(elapsed));
  std::fflush(out_);
}

void ProgressReporter::note(const std::string& text) {
  if (tty_ && printed_) fmt::print(out_, "\n");
  printed_ = false;  // the next report starts a fresh line
  fmt::print(out_, "[rank {}] {}  {}\n", rank_, run_id_, text);
  std::fflush(out_);
}

}  // namespace ganrun
