// runner/plan_report.cpp — the plan and summary tables rank 0 prints (see header).
#include "runner/plan_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/host_name.h"
#include "runner/name_list.h"     // contains
#include "runner/pack_plan.h"     // pack_refusal
#include "runner/run_executor.h"  // run_file_path
#include "runner/run_file.h"      // read_run_summary
#include "runner/tables.h"
#include "runner/version.h"

namespace ganrun {
namespace fs = std::filesystem;
namespace {

std::string format_metric(const std::map<std::string, double>& m, const std::string& name) {
  const auto it = m.find(name);
  return it == m.end() ? "-" : fmt::format("{:.4f}", it->second);
}

}  // namespace

std::string describe_rank(const launch::MpiSession& mpi, const launch::ProcessGroup& group,
                          const torch::Device& device, int threads) {
  return fmt::format("{}\t{}\t{}\t{}\t{}\t{}", mpi.rank(), host_name(), mpi.local_rank(),
                     group.index, device.str(), threads);
}

void print_plan(const SweepPlan& plan, const std::vector<int64_t>& steps,
                const std::vector<std::string>& ranks, int groups,
                const std::vector<std::vector<int64_t>>& packs,
                const std::vector<std::string>& pack_notes) {
  std::vector<std::vector<std::string>> rank_rows{
      {"rank", "host", "local_rank", "group", "device", "threads"}};
  for (const auto& line : ranks) {
    std::vector<std::string> row;
    std::string cell;
    for (char c : line + "\t") {
      if (c != '\t') {
        cell += c;
        continue;
      }
      row.push_back(cell);
      cell.clear();
    }
    rank_rows.push_back(row);
  }
  // Scheduling is dynamic: which rank trains a run is decided when a rank asks for work.
  std::vector<std::string> pack_cells(plan.runs.size(), "-");
  int64_t packed_runs = 0, pack_count = 0;
  for (const auto& pack : packs) {
    if (pack.size() < 2) continue;
    ++pack_count;
    for (const int64_t i : pack) {
      pack_cells[static_cast<size_t>(i)] = fmt::format("{}/{}", pack_count, pack.size());
      ++packed_runs;
    }
  }
  std::vector<std::vector<std::string>> rows{{"run", "rank", "pack", "variant", "arch", "dataset",
                                              "lr_g", "lr_d", "n_critic", "batch", "seed",
                                              "steps"}};
  if (!plan.sampled_keys.empty()) rows.front().push_back("sampled");
  std::string alone;  // auto: runs that cannot pack, and why
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& s = plan.runs[i].settings;
    rows.push_back({plan.runs[i].id, "dynamic", pack_cells[i], s.variant, s.arch,
                    s.dataset + "/" + s.split, canonical_float(s.lr_g), canonical_float(s.lr_d),
                    std::to_string(s.n_critic), std::to_string(s.batch), std::to_string(s.seed),
                    std::to_string(steps[i])});
    if (!plan.sampled_keys.empty()) {  // a random search: the draw and its values
      std::string drawn;
      for (const auto& [key, value] : plan.runs[i].grid_point)
        if (key == "draw" || contains(plan.sampled_keys, key))
          drawn += fmt::format("{}{}={}", drawn.empty() ? "" : " ", key, value);
      rows.back().push_back(drawn);
    }
    const std::string why = pack_refusal(s);
    if (plan.pack == "auto" && !why.empty())
      alone += fmt::format("\n  {} trains alone: {}", plan.runs[i].id, why);
  }
  const std::string packing =
      plan.pack == "off"
          ? "packing: off"
          : fmt::format("packing: {} ({} run(s) in {} pack(s), the rest one by one){}",
                        plan.pack == "auto" ? "auto" : "up to " + plan.pack + " per pack",
                        packed_runs, pack_count, alone);
  std::string notes;
  for (const auto& note : pack_notes) notes += "\n  " + note;
  fmt::print(stderr,
             "ganrun {} ({}): '{}', {} run(s) on {} rank(s) in {} group(s) of {}, handed out "
             "dynamically, out {}\n{}\n{}{}{}\n",
             version(), git_commit(), plan.name, plan.runs.size(), ranks.size(), groups,
             plan.ranks_per_run, plan.out, format_table(rank_rows), format_table(rows), packing,
             notes);
  std::fflush(stderr);
}

void print_summary(const SweepPlan& plan, const std::vector<int64_t>& steps,
                   const fs::path& runs_dir) {
  std::vector<std::vector<std::string>> rows{
      {"run", "status", "steps", "d_loss", "g_loss", "file"}};
  std::vector<std::string> not_completed;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto path = run_file_path(runs_dir, plan.runs[i].id);
    std::string status = "missing", progress = "-", d = "-", g = "-", why;
    try {
      if (auto summary = read_run_summary(path)) {
        status = summary->status;
        progress = fmt::format("{}/{}", std::max<int64_t>(summary->last_step, 0), steps[i]);
        d = format_metric(summary->last_metrics, "d_loss");
        g = format_metric(summary->last_metrics, "g_loss");
        const auto error = summary->attrs.find("error");
        const auto stop = summary->attrs.find("stop_step");
        if (stop != summary->attrs.end() && std::holds_alternative<int64_t>(stop->second))
          why = fmt::format(" at step {}", std::get<int64_t>(stop->second));
        if (error != summary->attrs.end() && std::holds_alternative<std::string>(error->second))
          why += ": " + std::get<std::string>(error->second);
      }
    } catch (const std::exception& e) {
      status = "unreadable";
      why = std::string(": ") + e.what();
    }
    rows.push_back({plan.runs[i].id, status, progress, d, g, path.string()});
    if (status != "completed")
      not_completed.push_back(fmt::format("  {}  {}{}", plan.runs[i].id, status, why));
  }
  fmt::print("\n{}", format_table(rows));
  if (!not_completed.empty()) {
    fmt::print("\n{} run(s) did not complete:\n", not_completed.size());
    for (const auto& line : not_completed) fmt::print("{}\n", line);
  }
  fmt::print("\nResults: {}/{} (per-run HDF5 files and PNG sample grids in {})\n", plan.out,
             fs::exists(fs::path(plan.out) / "sweep.h5") ? "sweep.h5" : "runs/", runs_dir.string());
  std::fflush(stdout);
}

}  // namespace ganrun
