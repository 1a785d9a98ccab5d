// runner/plan_execution.cpp — groups, devices, validate, plan, schedule, agree, summarise (see
// header).
#include "runner/plan_execution.h"

#include <fmt/format.h>
#include <torch/cuda.h>   // torch::cuda::is_available, device_count
#include <torch/utils.h>  // torch::set_num_threads
#include <unistd.h>       // gethostname

#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "data/batch_source.h"
#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/hdf5_pack.h"
#include "data/verify.h"
#include "launch/cpu_binding.h"
#include "launch/device_binding.h"
#include "launch/groups.h"
#include "launch/work_queue.h"
#include "runner/assignment_log.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/run_executor.h"
#include "runner/run_file.h"
#include "runner/sweep_diff.h"
#include "runner/sweep_index.h"
#include "runner/tables.h"
#include "runner/version.h"

namespace ganrun {
namespace fs = std::filesystem;
namespace {

// A rank's device: CUDA GPU number (launch/device_binding.h) when one is wanted and visible.
torch::Device choose_device(const std::string& wanted, const launch::GpuPeers& peers,
                            int ranks_per_gpu) {
  const bool have_cuda = torch::cuda::is_available();
  if (wanted == "cuda" && !have_cuda)
    throw ConfigError(
        "device 'cuda' requested but no CUDA GPU is visible to this process; use --device cpu "
        "(or auto, which picks CUDA only when a GPU is present)");
  if (wanted == "cpu" || !have_cuda) return torch::Device(torch::kCPU);
  const int gpus = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(
                                         launch::gpu_for_peer(peers, gpus, ranks_per_gpu)));
}

std::string dataset_key(const RunSettings& s) {
  return s.dataset + "|" + s.data_dir + "|" + s.split;
}

std::string format_metric(const std::map<std::string, double>& m, const std::string& name) {
  const auto it = m.find(name);
  return it == m.end() ? "-" : fmt::format("{:.4f}", it->second);
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

// True on every rank when any rank has an error; the lowest such rank prints its message.
bool any_rank_failed(const std::string& error, const launch::MpiSession& mpi) {
  if (mpi.allreduce_max(error.empty() ? 0 : 1) == 0) return false;
  if (mpi.allreduce_min(error.empty() ? INT_MAX : mpi.rank()) == mpi.rank())
    fmt::print(stderr, "ganrun: {}\n", error);
  return true;
}

// Everything that can be wrong with the input, checked on every rank before anything is
// written: device, data files, steps, and (for sweeps) the sweep already stored in `out`.
struct Validated {
  torch::Device device = torch::kCPU;
  std::map<std::string, std::unique_ptr<data::BatchSource>> sources;
  std::vector<int64_t> steps;
};

// An HDF5 pack (data_dir names a .h5 file) is held in memory when it fits the budget and read
// on demand otherwise; the other formats are decoded into memory whole.
std::unique_ptr<data::BatchSource> open_source(const RunSettings& s, int64_t budget,
                                               torch::Device device) {
  // 2-D toy sets: points generated in code (or read from toy-file's data_dir), on the device.
  if (data::is_toy_dataset(s.dataset))
    return data::make_toy_source(data::load_toy_set(s.dataset, s.data_dir), device);
  const fs::path dir(s.data_dir);
  if (dir.extension() == ".h5" && fs::is_regular_file(dir)) {
    const auto info = data::read_pack_info(dir);
    if (info.dataset != s.dataset || info.split != s.split)
      throw data::DataError(fmt::format(
          "{}: pack holds {} ({} split), but the run asks for {} ({} split); pack the right "
          "data set with ganrun data pack, or change dataset / split",
          dir.string(), info.dataset, info.split, s.dataset, s.split));
    return data::open_pack_source(dir, budget, device);
  }
  return data::make_in_memory_source(data::load_dataset(s.dataset, s.data_dir, s.split), device);
}

// --verify: the files decode and match the publisher's checksums (a mismatch on a file that
// decodes is a warning); a pack is checked against the checksums stored in it.
void verify_data(const RunSettings& s, bool print) {
  const fs::path dir = data::resolve_data_dir(s.dataset, s.data_dir);
  if (dir.extension() == ".h5") {
    data::read_pack(dir, /*verify=*/true);
    if (print) fmt::print(stderr, "verified {}: pack checksums match\n", dir.string());
    return;
  }
  const auto report = data::verify_dataset(s.dataset, dir);
  if (!print) return;
  for (const auto& w : report.warnings) fmt::print(stderr, "warning: {}\n", w);
  for (const auto& f : report.files)
    fmt::print(stderr, "verified {}: md5 {} ({})\n", f.path.string(), f.md5,
               data::to_string(f.status));
}

Validated validate_plan(const SweepPlan& plan, const ExecutionOptions& options,
                        const launch::MpiSession& mpi, const launch::GpuPeers& peers) {
  Validated v;
  v.device = choose_device(plan.device, peers, options.ranks_per_gpu);
  for (const auto& run : plan.runs) {
    const auto key = dataset_key(run.settings);
    if (options.verify && !data::is_toy_dataset(run.settings.dataset) && !v.sources.count(key))
      verify_data(run.settings, mpi.is_root());
    if (!v.sources.count(key))
      v.sources.emplace(key, open_source(run.settings, plan.memory_budget, v.device));
    v.steps.push_back(total_steps(run.settings, v.sources.at(key)->size()));
  }
  if (options.write_sweep_index) {
    const auto index = fs::path(plan.out) / "sweep.h5";
    std::optional<std::string> stored;
    try {
      stored = read_sweep_text(index);
    } catch (const std::exception& e) {
      throw ConfigError(
          fmt::format("{}: cannot read the existing sweep index ({}); remove it or "
                      "choose another out folder",
                      index.string(), e.what()));
    }
    if (stored) {
      if (auto key = first_differing_key(*stored, plan.text))
        throw ConfigError(fmt::format(
            "{}: out folder '{}' holds a different sweep (first difference at key '{}'); choose "
            "another out folder, or restore the sweep file that produced it",
            plan.file, plan.out, *key));
    }
  }
  return v;
}

// What each rank got, as one tab-separated row (gathered on rank 0 for the plan).
std::string describe_rank(const launch::MpiSession& mpi, const launch::ProcessGroup& group,
                          const torch::Device& device, int threads) {
  return fmt::format("{}\t{}\t{}\t{}\t{}\t{}", mpi.rank(), host_name(), mpi.local_rank(),
                     group.index, device.str(), threads);
}

void print_plan(const SweepPlan& plan, const Validated& v, const std::vector<std::string>& ranks,
                int groups) {
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
  std::vector<std::vector<std::string>> rows{{"run", "rank", "variant", "arch", "dataset", "lr_g",
                                              "lr_d", "n_critic", "batch", "seed", "steps"}};
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& s = plan.runs[i].settings;
    rows.push_back({plan.runs[i].id, "dynamic", s.variant, s.arch, s.dataset + "/" + s.split,
                    canonical_float(s.lr_g), canonical_float(s.lr_d), std::to_string(s.n_critic),
                    std::to_string(s.batch), std::to_string(s.seed), std::to_string(v.steps[i])});
  }
  fmt::print(stderr,
             "ganrun {} ({}): '{}', {} run(s) on {} rank(s) in {} group(s) of {}, handed out "
             "dynamically, out {}\n{}\n{}",
             version(), git_commit(), plan.name, plan.runs.size(), ranks.size(), groups,
             plan.ranks_per_run, plan.out, format_table(rank_rows), format_table(rows));
  std::fflush(stderr);
}

void print_summary(const SweepPlan& plan, const Validated& v, const fs::path& runs_dir) {
  std::vector<std::vector<std::string>> rows{
      {"run", "status", "steps", "d_loss", "g_loss", "file"}};
  std::vector<std::string> not_completed;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto path = run_file_path(runs_dir, plan.runs[i].id);
    std::string status = "missing", steps = "-", d = "-", g = "-", why;
    try {
      if (auto summary = read_run_summary(path)) {
        status = summary->status;
        steps = fmt::format("{}/{}", std::max<int64_t>(summary->last_step, 0), v.steps[i]);
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
    rows.push_back({plan.runs[i].id, status, steps, d, g, path.string()});
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

// sweep.h5's rows: /grid/rank is the rank that last trained each run, from the log.
std::vector<SweepIndexRun> index_rows(const SweepPlan& plan, const std::vector<Assignment>& log) {
  std::map<std::string, int64_t> last_rank;
  for (const auto& a : log) last_rank[a.run_id] = a.rank;  // the log is in start order
  std::vector<SweepIndexRun> rows;
  for (const auto& run : plan.runs) {
    const auto it = last_rank.find(run.id);
    rows.push_back(
        {run.id, it == last_rank.end() ? -1 : static_cast<int>(it->second), run.grid_point});
  }
  return rows;
}

bool finished_before(const fs::path& run_file, std::string* status) {
  std::optional<RunFileSummary> previous;
  try {
    previous = read_run_summary(run_file);
  } catch (const std::exception&) {
    return false;  // an unreadable leftover is rerun from the start
  }
  if (!previous || (previous->status != "completed" && previous->status != "diverged"))
    return false;
  *status = previous->status;
  return true;
}

// Test-only hook (like GANRUN_TEST_THROW): GANRUN_TEST_HOLD="<run-id substring>" makes a
// matching run wait, before it trains, until the assignment log shows every other run of this
// invocation ended (at most 120 s), so the end-to-end test can make one run outlast all others.
void hold_for_test(const std::string& run_id, const std::vector<std::string>& todo_ids,
                   const fs::path& log_dir, int64_t invocation) {
  const char* hook = std::getenv("GANRUN_TEST_HOLD");
  if (hook == nullptr || *hook == '\0' || run_id.find(hook) == std::string::npos) return;
  std::set<std::string> others;
  for (const auto& id : todo_ids)
    if (id.find(hook) == std::string::npos) others.insert(id);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    size_t ended = 0;
    for (const auto& a : read_assignments(log_dir))
      if (a.invocation == invocation && a.end >= 0 && others.count(a.run_id)) ++ended;
    if (ended >= others.size()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fmt::print(stderr, "{}: GANRUN_TEST_HOLD timed out after 120 s\n", run_id);
}

const char* outcome_name(RunOutcome o) {
  switch (o) {
    case RunOutcome::kCompleted:
      return "completed";
    case RunOutcome::kDiverged:
      return "diverged";
    case RunOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace

std::string ranks_per_run_error(const SweepPlan& plan, int world_size) {
  const int64_t k = plan.ranks_per_run;
  if (k < 1) return fmt::format("{}: ranks_per_run must be >= 1 (got {})", plan.file, k);
  if (world_size % k != 0)
    return fmt::format(
        "{}: ranks_per_run: {} needs a number of ranks divisible by {}, but this job has {}; "
        "start {} ranks (mpirun -n {}), or choose a ranks_per_run that divides {}",
        plan.file, k, k, world_size, (world_size / k + 1) * k, (world_size / k + 1) * k,
        world_size);
  for (const auto& run : plan.runs)
    if (run.settings.batch % k != 0)
      return fmt::format(
          "{}: run {}: batch {} does not divide over the {} ranks that train it (each takes "
          "batch / {}); choose a batch that is a multiple of {}",
          plan.file, run.id, run.settings.batch, k, k, k);
  return "";
}

int execute_plan(const SweepPlan& plan, const ExecutionOptions& options,
                 const launch::MpiSession& mpi) {
  // 0. Groups and devices. The same on every rank, so a ConfigError here is said once by rank 0.
  if (!options.write_sweep_index && mpi.size() > 1 && plan.ranks_per_run == 1)
    throw ConfigError(fmt::format(
        "{} ranks for one run: pass --data-parallel to train it on all of them, or start one "
        "process (ganrun --sweep spreads the runs of a grid over ranks)",
        mpi.size()));
  if (const auto error = ranks_per_run_error(plan, mpi.size()); !error.empty())
    throw ConfigError(error);
  if (options.ranks_per_gpu < 1)
    throw ConfigError(fmt::format("--ranks-per-gpu must be >= 1 (got {})", options.ranks_per_gpu));
  // Collectives: every rank reaches them before anything can fail on one rank only.
  const launch::GroupSplit groups(mpi, static_cast<int>(plan.ranks_per_run));
  const launch::ProcessGroup& group = groups.group();
  const launch::GpuPeers peers = launch::find_gpu_peers(mpi);
  const int bound_threads = launch::threads_for_rank(mpi);

  // 1. Validate everywhere; nothing is written unless every rank agrees the input is good.
  Validated v;
  std::string error;
  try {
    v = validate_plan(plan, options, mpi, peers);
  } catch (const std::exception& e) {
    // ConfigError, DataError, and anything else at this stage comes from the input too (an
    // unreadable file, a GPU count): every rank must reach the agreement below, or the ranks
    // that passed would wait forever.
    error = e.what();
  }
  if (any_rank_failed(error, mpi)) return kExitBadInput;
  const int gpu = v.device.is_cuda() ? static_cast<int>(v.device.index()) : -1;
  if (any_rank_failed(launch::shared_gpu_in_group(group, gpu), mpi)) return kExitBadInput;
  const int threads = options.threads > 0 ? options.threads : bound_threads;
  torch::set_num_threads(threads);
  const auto rank_rows = mpi.gather_strings(describe_rank(mpi, group, v.device, threads));
  if (mpi.is_root()) print_plan(plan, v, rank_rows, groups.groups());
  if (options.dry_run) return kExitOk;

  // 2. The output folder, the runs to do (finished ones are skipped here, at no cost to any
  //    rank's schedule) and the sweep index, by rank 0 alone.
  const fs::path runs_dir = fs::path(plan.out) / "runs";
  const fs::path log_dir = assignments_dir(plan.out);
  std::string setup_error;
  std::vector<int64_t> todo;  // invocation number, then the plan indices to run
  if (mpi.is_root()) {
    try {
      fs::create_directories(runs_dir);
      remove_stale_snapshots(runs_dir);
      std::vector<Assignment> log;
      if (options.write_sweep_index) log = read_assignments(log_dir);
      todo.push_back(next_invocation(log));
      for (size_t i = 0; i < plan.runs.size(); ++i) {
        std::string status;
        if (!options.force && finished_before(run_file_path(runs_dir, plan.runs[i].id), &status)) {
          fmt::print(stderr, "[rank {}] {}  skipped: already {} (--force reruns it)\n", mpi.rank(),
                     plan.runs[i].id, status);
          continue;
        }
        todo.push_back(static_cast<int64_t>(i));
      }
      if (options.write_sweep_index)
        write_sweep_index(fs::path(plan.out) / "sweep.h5", plan.name, plan.text, plan.grid_keys,
                          index_rows(plan, log), log);
    } catch (const std::exception& e) {
      setup_error = fmt::format("cannot write to out folder '{}': {}; choose another --out",
                                plan.out, e.what());
      fmt::print(stderr, "ganrun: {}\n", setup_error);
    }
  }
  if (mpi.allreduce_max(setup_error.empty() ? 0 : 1) != 0) return kExitBadInput;
  todo = mpi.broadcast_int64s(todo);
  const int64_t invocation = todo.front();
  todo.erase(todo.begin());
  std::vector<std::string> todo_ids;
  for (const int64_t i : todo) todo_ids.push_back(plan.runs[static_cast<size_t>(i)].id);

  // 3. Runs, one at a time per group, as long as the queue has any.
  RunEnvironment env;
  env.device = v.device;
  env.rank = mpi.rank();
  env.threads = threads;
  env.command_line = options.command_line;
  env.runs_dir = runs_dir;
  env.group = group;
  int code = kExitOk;
  {
    std::unique_ptr<AssignmentLog> log;
    if (options.write_sweep_index && group.is_root()) {
      try {
        log = std::make_unique<AssignmentLog>(log_dir, invocation, mpi.rank(), group.index);
      } catch (const std::exception& e) {
        fmt::print(stderr, "[rank {}] warning: no assignment log: {}\n", mpi.rank(), e.what());
      }
    }
    launch::WorkQueue queue(mpi, group, static_cast<int64_t>(todo.size()));
    while (const auto task = queue.next()) {
      const RunSpec& run = plan.runs[static_cast<size_t>(todo[static_cast<size_t>(*task)])];
      Assignment entry;
      try {
        if (log) entry = log->started(run.id);
      } catch (const std::exception& e) {
        fmt::print(stderr, "[rank {}] warning: assignment log: {}\n", mpi.rank(), e.what());
      }
      hold_for_test(run.id, todo_ids, log_dir, invocation);
      RunOutcome outcome = RunOutcome::kFailed;
      try {
        outcome = execute_run(run, *v.sources.at(dataset_key(run.settings)), env).outcome;
      } catch (const std::exception& e) {
        fmt::print(stderr, "[rank {}] {}  failed: {}\n", mpi.rank(), run.id, e.what());
      }
      if (outcome == RunOutcome::kFailed) code = std::max(code, kExitRunFailed);
      try {
        if (log) log->ended(entry, outcome_name(outcome));
      } catch (const std::exception& e) {
        fmt::print(stderr, "[rank {}] warning: assignment log: {}\n", mpi.rank(), e.what());
      }
    }
  }               // the queue's window is freed here, collectively
  mpi.barrier();  // every rank's runs have ended and their log lines are written

  // 4. The final index, by rank 0; one exit code for the job.
  if (mpi.is_root() && options.write_sweep_index) {
    try {
      const auto log = read_assignments(log_dir);
      write_sweep_index(fs::path(plan.out) / "sweep.h5", plan.name, plan.text, plan.grid_keys,
                        index_rows(plan, log), log);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ganrun: cannot update the sweep index: {}\n", e.what());
      code = std::max(code, kExitRunFailed);
    }
  }
  const int agreed = mpi.allreduce_max(code);
  if (mpi.is_root()) print_summary(plan, v, runs_dir);
  return agreed;
}

}  // namespace ganrun
