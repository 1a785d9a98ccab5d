// runner/plan_execution.cpp — execute_plan as its numbered steps: split the world into groups,
// validate on every rank and print the plan, prepare the out folder, train the runs the queue
// hands out, write the final sweep index and agree on one exit code. The checks are
// runner/plan_validation.cpp's, the tables runner/plan_report.cpp's.
#include "runner/plan_execution.h"

#include <fmt/format.h>
#include <torch/utils.h>  // torch::set_num_threads
#include <unistd.h>       // getpid

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "common/file_lock.h"
#include "common/host_name.h"
#include "common/utc_time.h"
#include "launch/cpu_binding.h"
#include "launch/device_binding.h"
#include "launch/groups.h"
#include "launch/work_queue.h"
#include "runner/assignment_log.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/data_parallel.h"  // group_stop_requested
#include "runner/pack_executor.h"
#include "runner/pack_plan.h"
#include "runner/pack_probe.h"
#include "runner/plan_report.h"
#include "runner/plan_validation.h"
#include "runner/resume_plan.h"
#include "runner/run_executor.h"
#include "runner/run_file.h"
#include "runner/stop_request.h"
#include "runner/sweep_index.h"

namespace ganrun {
namespace fs = std::filesystem;
namespace {

// True on every rank when any rank has an error; the lowest such rank prints its message.
bool any_rank_failed(const std::string& error, const launch::MpiSession& mpi) {
  if (mpi.allreduce_max(error.empty() ? 0 : 1) == 0) return false;
  if (mpi.allreduce_min(error.empty() ? INT_MAX : mpi.rank()) == mpi.rank())
    fmt::print(stderr, "ganrun: {}\n", error);
  return true;
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

// What this invocation trains: its number in the assignment log and the plan indices to run.
struct Todo {
  int64_t invocation = 0;
  std::vector<int64_t> runs;
  // Packs of earlier attempts that resume as they were (runner/resume_plan.h); their members
  // are in `runs` unless they ended before.
  std::vector<RecordedPack> recorded;
  // Rank 0's hold on <out>/.ganrun.lock for the whole invocation: a second invocation on the
  // same out at once is refused (exit 2), naming the holder.
  std::shared_ptr<NamedFileLock> out_lock;
};

// Step 2, by rank 0 alone: the out folder, the runs to do (finished ones are skipped here, at
// no cost to any rank's schedule) and the sweep index; then shared with every rank. nullopt on
// every rank when rank 0 could not write (it says why): validation makes that rare (a full
// disk, a folder changed since).
std::optional<Todo> prepare_output(const SweepPlan& plan, const ExecutionOptions& options,
                                   const launch::MpiSession& mpi) {
  const fs::path runs_dir = fs::path(plan.out) / "runs";
  std::string setup_error;
  std::vector<int64_t> todo;  // invocation number, then the plan indices to run
  std::shared_ptr<NamedFileLock> out_lock;
  if (mpi.is_root()) {
    try {
      fs::create_directories(plan.out);
      std::string holder;
      out_lock = NamedFileLock::try_hold(
          fs::path(plan.out) / ".ganrun.lock",
          fmt::format("host {} pid {} since {}", host_name(), ::getpid(), utc_now()), &holder);
      if (!out_lock)
        throw ConfigError(fmt::format(
            "out folder '{}' is in use by another ganrun ({}); wait for it to end, or use "
            "another --out",
            plan.out, holder));
      fs::create_directories(runs_dir);
      remove_stale_snapshots(runs_dir);
      std::vector<Assignment> log;
      if (options.write_sweep_index) log = read_assignments(assignments_dir(plan.out));
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
      const std::vector<int64_t> pending(todo.begin() + 1, todo.end());
      if (!options.force) {
        check_checkpoint_groups(plan, pending, runs_dir);
        // Encoded after the runs: -1, then per pack its size, step, members and finished flags.
        todo.push_back(-1);
        for (const auto& pack : recorded_packs(plan, pending, runs_dir)) {
          std::string names;
          todo.push_back(static_cast<int64_t>(pack.members.size()));
          todo.push_back(pack.step);
          for (size_t k = 0; k < pack.members.size(); ++k) {
            todo.push_back(pack.members[k]);
            todo.push_back(pack.finished[k] ? 1 : 0);
            names +=
                (names.empty() ? "" : ", ") + plan.runs[static_cast<size_t>(pack.members[k])].id;
          }
          fmt::print(stderr,
                     "[rank {}] the pack of {} ({}) resumes from its checkpoint at step {}\n",
                     mpi.rank(), pack.members.size(), names, pack.step);
        }
      }
      if (options.write_sweep_index)
        write_sweep_index(fs::path(plan.out) / "sweep.h5", plan.name, plan.text, plan.grid_keys,
                          index_rows(plan, log), log);
    } catch (const ConfigError& e) {
      setup_error = e.what();
      fmt::print(stderr, "ganrun: {}\n", setup_error);
    } catch (const std::exception& e) {
      setup_error = fmt::format("cannot write to out folder '{}': {}; choose another --out",
                                plan.out, e.what());
      fmt::print(stderr, "ganrun: {}\n", setup_error);
    }
  }
  if (mpi.allreduce_max(setup_error.empty() ? 0 : 1) != 0) return std::nullopt;
  todo = mpi.broadcast_int64s(todo);
  Todo out;
  out.invocation = todo.front();
  auto it = todo.begin() + 1;
  for (; it != todo.end() && *it >= 0; ++it) out.runs.push_back(*it);
  if (it != todo.end()) ++it;  // the -1 before the recorded packs
  while (it != todo.end()) {
    RecordedPack pack;
    const int64_t size = *it++;
    pack.step = *it++;
    for (int64_t k = 0; k < size; ++k) {
      pack.members.push_back(*it++);
      pack.finished.push_back(*it++ != 0);
    }
    out.recorded.push_back(std::move(pack));
  }
  out.out_lock = std::move(out_lock);
  return out;
}

// A warning for a bookkeeping failure that must not stop the runs.
template <typename F>
void or_warn(const launch::MpiSession& mpi, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    fmt::print(stderr, "[rank {}] warning: {}: {}\n", mpi.rank(), what, e.what());
  }
}

// Step 3: packs of runs (runner/pack_plan.h; one run each unless packing), one at a time per
// group, as long as the queue has any. Returns this rank's exit code (kExitRunFailed when a run
// it trained failed).
int train_runs(const SweepPlan& plan, const ExecutionOptions& options,
               const launch::MpiSession& mpi, const RunEnvironment& env, const Validated& v,
               const Todo& todo, const std::vector<std::vector<int64_t>>& packs) {
  const fs::path log_dir = assignments_dir(plan.out);
  std::vector<std::string> todo_ids;
  for (const int64_t i : todo.runs) todo_ids.push_back(plan.runs[static_cast<size_t>(i)].id);
  const std::set<int64_t> todo_set(todo.runs.begin(), todo.runs.end());
  std::unique_ptr<AssignmentLog> log;
  if (options.write_sweep_index && env.group.is_root())
    or_warn(mpi, "no assignment log", [&] {
      log = std::make_unique<AssignmentLog>(log_dir, todo.invocation, mpi.rank(), env.group.index);
    });
  int code = kExitOk;
  launch::WorkQueue queue(mpi, env.group, static_cast<int64_t>(packs.size()));
  // A stop signal ends the queue for this group: after its current runs (preempted at their
  // next step), the group asks for no more; every rank of a group decides together.
  while (true) {
    if (group_stop_requested(env.group)) {
      code = std::max(code, kExitInterrupted);
      break;
    }
    const auto task = queue.next();
    if (!task) break;
    std::vector<const RunSpec*> members;
    std::vector<bool> finished;  // members of a resumed pack that ended before: not logged
    for (const int64_t i : packs[static_cast<size_t>(*task)]) {
      members.push_back(&plan.runs[static_cast<size_t>(i)]);
      finished.push_back(todo_set.count(i) == 0);
    }
    std::vector<Assignment> entries(members.size());
    for (size_t k = 0; k < members.size(); ++k) {
      if (finished[k]) continue;
      or_warn(mpi, "assignment log", [&] {
        if (log) entries[k] = log->started(members[k]->id);
      });
      hold_for_test(members[k]->id, todo_ids, log_dir, todo.invocation);
    }
    std::vector<RunOutcome> outcomes(members.size(), RunOutcome::kFailed);
    try {
      auto& source = *v.sources.at(dataset_key(members.front()->settings));
      if (members.size() == 1) {
        outcomes[0] = execute_run(*members[0], source, env).outcome;
      } else {
        const auto results = execute_pack(members, source, env, finished);
        for (size_t k = 0; k < members.size(); ++k) outcomes[k] = results[k].outcome;
      }
    } catch (const std::exception& e) {
      for (const auto* run : members)
        fmt::print(stderr, "[rank {}] {}  failed: {}\n", mpi.rank(), run->id, e.what());
    }
    for (size_t k = 0; k < members.size(); ++k) {
      if (finished[k]) continue;
      if (outcomes[k] == RunOutcome::kFailed) code = std::max(code, kExitRunFailed);
      if (outcomes[k] == RunOutcome::kPreempted) code = std::max(code, kExitInterrupted);
      or_warn(mpi, "assignment log", [&] {
        if (log) log->ended(entries[k], outcome_name(outcomes[k]));
      });
    }
  }
  return code;  // the queue's window is freed here, collectively
}

// What the loops are asked for on `device`: kDefault captures on CUDA and is silently eager
// elsewhere; kOn asks everywhere (a run that cannot be captured says why).
GraphMode graph_mode(ExecutionOptions::CudaGraphs request, const torch::Device& device) {
  using Request = ExecutionOptions::CudaGraphs;
  if (request == Request::kOff) return GraphMode::kOff;
  return request == Request::kOn || device.is_cuda() ? GraphMode::kCuda : GraphMode::kOff;
}

// Step 1b, `pack: auto`: rank 0 measures each group of compatible runs that would pack (the
// probe, runner/pack_probe.h) and every rank gets the same limits, so all ranks plan the same
// packs. `notes`: rank 0's plan lines, one per measured group. A probe that fails (out of
// memory, ...) leaves its group at 1 and says why.
AutoPackLimits measure_auto_packs(const SweepPlan& plan, const Validated& v, int64_t workers,
                                  const launch::MpiSession& mpi, std::vector<std::string>& notes) {
  AutoPackLimits limits;  // a group not measured (one run per worker) trains alone
  if (plan.pack != "auto") return limits;
  std::vector<int64_t> all(plan.runs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  std::vector<std::vector<int64_t>> measured_groups;
  for (const auto& runs : compatible_groups(plan, all)) {
    const RunSettings& s = plan.runs[static_cast<size_t>(runs.front())].settings;
    if (pack_refusal(s).empty() && auto_pack_wanted(static_cast<int64_t>(runs.size()), workers) > 1)
      measured_groups.push_back(runs);
  }
  std::vector<int64_t> chosen(measured_groups.size(), 1);
  if (mpi.is_root()) {
    for (size_t g = 0; g < measured_groups.size(); ++g) {
      const auto& runs = measured_groups[g];
      const RunSpec& run = plan.runs[static_cast<size_t>(runs.front())];
      const RunSettings& s = run.settings;
      const int64_t wanted = auto_pack_wanted(static_cast<int64_t>(runs.size()), workers);
      const models::BatchSlice slice{s.batch, 0, s.batch / plan.ranks_per_run};
      try {
        const PackProbe probe =
            probe_pack_size(s, *v.sources.at(dataset_key(s)), v.device, slice, wanted);
        chosen[g] = probe.k;
        notes.push_back(fmt::format("auto pack for {} and its {} compatible run(s): {}", run.id,
                                    runs.size() - 1, probe.describe()));
      } catch (const std::exception& e) {
        const std::string what = e.what();  // LibTorch's: a backtrace after the first line
        notes.push_back(fmt::format("auto pack for {}: K 1, the probe failed: {}", run.id,
                                    what.substr(0, what.find('\n'))));
      }
    }
  }
  chosen = mpi.broadcast_int64s(chosen);
  for (size_t g = 0; g < measured_groups.size(); ++g)
    limits.by_group.emplace_back(
        pack_group_key(plan.runs[static_cast<size_t>(measured_groups[g].front())].settings),
        chosen[g]);
  return limits;
}

// Step 4, by rank 0: the final sweep index, with every assignment of every invocation.
int write_final_index(const SweepPlan& plan) {
  try {
    const auto log = read_assignments(assignments_dir(plan.out));
    write_sweep_index(fs::path(plan.out) / "sweep.h5", plan.name, plan.text, plan.grid_keys,
                      index_rows(plan, log), log);
    return kExitOk;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ganrun: cannot update the sweep index: {}\n", e.what());
    return kExitRunFailed;
  }
}

}  // namespace

ExecutionOptions::CudaGraphs cuda_graphs_flag(bool on, bool off) {
  if (on && off) throw ConfigError("give --cuda-graphs or --no-cuda-graphs, not both");
  if (on) return ExecutionOptions::CudaGraphs::kOn;
  return off ? ExecutionOptions::CudaGraphs::kOff : ExecutionOptions::CudaGraphs::kDefault;
}

int execute_plan(const SweepPlan& plan, const ExecutionOptions& options,
                 const launch::MpiSession& mpi) {
  install_stop_handlers();
  // 0. Groups and devices. The same on every rank, so a ConfigError here is said once by rank 0.
  check_job_shape(plan, options, mpi.size());
  check_packing(plan);
  // Collectives: every rank reaches them before anything can fail on one rank only.
  const launch::GroupSplit groups(mpi, static_cast<int>(plan.ranks_per_run));
  const launch::ProcessGroup& group = groups.group();
  const launch::GpuPeers peers = launch::find_gpu_peers(mpi);
  const int bound_threads = launch::threads_for_rank(mpi);

  // 1. Validate everywhere; nothing is written or printed unless every rank agrees the input is
  //    good (then rank 0 prints the plan).
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
  std::vector<std::string> pack_notes;
  const AutoPackLimits auto_limits = measure_auto_packs(plan, v, groups.groups(), mpi, pack_notes);
  if (mpi.is_root()) {
    std::vector<int64_t> all(plan.runs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
    print_plan(plan, v.steps, rank_rows, groups.groups(),
               plan_packs(plan, all, groups.groups(), auto_limits), pack_notes);
  }
  if (options.dry_run) return kExitOk;

  // 2. The output folder, the runs to do and the sweep index (rank 0).
  const std::optional<Todo> todo = prepare_output(plan, options, mpi);
  if (!todo) return kExitBadInput;

  // 3. The runs, handed out to the groups as they ask.
  RunEnvironment env;
  env.device = v.device;
  env.rank = mpi.rank();
  env.threads = threads;
  env.command_line = options.command_line;
  env.runs_dir = fs::path(plan.out) / "runs";
  env.graphs = graph_mode(options.cuda_graphs, v.device);
  env.resume = !options.force;
  env.group = group;
  // Packs of earlier attempts resume as they were; the other runs are packed anew.
  std::vector<std::vector<int64_t>> packs;
  std::set<int64_t> in_recorded;
  for (const auto& pack : todo->recorded) {
    packs.push_back(pack.members);
    in_recorded.insert(pack.members.begin(), pack.members.end());
  }
  std::vector<int64_t> rest;
  for (const int64_t i : todo->runs)
    if (!in_recorded.count(i)) rest.push_back(i);
  for (auto& pack : plan_packs(plan, rest, groups.groups(), auto_limits))
    packs.push_back(std::move(pack));
  int code = train_runs(plan, options, mpi, env, v, *todo, packs);
  mpi.barrier();  // every rank's runs have ended and their log lines are written

  // 4. The final index (rank 0); one exit code for the job; the summary.
  if (mpi.is_root() && options.write_sweep_index) code = std::max(code, write_final_index(plan));
  const int agreed = mpi.allreduce_max(code);
  if (mpi.is_root()) print_summary(plan, v.steps, env.runs_dir);
  return agreed;
}

}  // namespace ganrun
