// runner/plan_execution.cpp — validate, plan, train, agree, summarise (see header).
#include "runner/plan_execution.h"

#include <fmt/format.h>
#include <torch/cuda.h>   // torch::cuda::is_available, device_count
#include <torch/utils.h>  // torch::set_num_threads

#include <climits>
#include <cmath>
#include <filesystem>
#include <map>

#include "data/batch_source.h"
#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/hdf5_pack.h"
#include "data/verify.h"
#include "launch/cpu_binding.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/run_executor.h"
#include "runner/run_file.h"
#include "runner/sweep_index.h"
#include "runner/tables.h"
#include "runner/version.h"

namespace ganrun {
namespace fs = std::filesystem;
namespace {

torch::Device choose_device(const std::string& wanted, int local_rank) {
  const bool have_cuda = torch::cuda::is_available();
  if (wanted == "cuda" && !have_cuda)
    throw ConfigError(
        "device 'cuda' requested but no CUDA GPU is visible to this process; use --device cpu "
        "(or auto, which picks CUDA only when a GPU is present)");
  if (wanted == "cpu" || !have_cuda) return torch::Device(torch::kCPU);
  return torch::Device(torch::kCUDA,
                       static_cast<c10::DeviceIndex>(local_rank % torch::cuda::device_count()));
}

std::string dataset_key(const RunSettings& s) {
  return s.dataset + "|" + s.data_dir + "|" + s.split;
}

std::string format_metric(const std::map<std::string, double>& m, const std::string& name) {
  const auto it = m.find(name);
  return it == m.end() ? "-" : fmt::format("{:.4f}", it->second);
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
                        const launch::MpiSession& mpi) {
  Validated v;
  v.device = choose_device(plan.device, mpi.local_rank());
  if (mpi.size() > static_cast<int>(plan.runs.size()) && !options.write_sweep_index)
    throw ConfigError(fmt::format(
        "{} ranks for one run: data-parallel training (--data-parallel) is not implemented yet "
        "in this version of ganrun; start one process, or use --sweep to spread runs over ranks",
        mpi.size()));
  for (const auto& run : plan.runs) {
    const auto key = dataset_key(run.settings);
    if (options.verify && !v.sources.count(key)) verify_data(run.settings, mpi.is_root());
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

void print_plan(const SweepPlan& plan, const Validated& v, int world, int threads) {
  std::vector<std::vector<std::string>> rows{{"run", "rank", "variant", "arch", "dataset", "lr_g",
                                              "lr_d", "n_critic", "batch", "seed", "steps"}};
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& s = plan.runs[i].settings;
    rows.push_back({plan.runs[i].id, std::to_string(assigned_rank(i, world)), s.variant, s.arch,
                    s.dataset + "/" + s.split, canonical_float(s.lr_g), canonical_float(s.lr_d),
                    std::to_string(s.n_critic), std::to_string(s.batch), std::to_string(s.seed),
                    std::to_string(v.steps[i])});
  }
  fmt::print(stderr,
             "ganrun {} ({}): '{}', {} run(s) on {} rank(s), device {}, {} thread(s) per rank, "
             "out {}\n{}",
             version(), git_commit(), plan.name, plan.runs.size(), world, v.device.str(), threads,
             plan.out, format_table(rows));
  std::fflush(stderr);
}

void print_summary(const SweepPlan& plan, const Validated& v, const fs::path& runs_dir) {
  std::vector<std::vector<std::string>> rows{
      {"run", "status", "steps", "d_loss", "g_loss", "file"}};
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const auto path = run_file_path(runs_dir, plan.runs[i].id);
    std::string status = "missing", steps = "-", d = "-", g = "-";
    try {
      if (auto summary = read_run_summary(path)) {
        status = summary->status;
        steps = fmt::format("{}/{}", std::max<int64_t>(summary->last_step, 0), v.steps[i]);
        d = format_metric(summary->last_metrics, "d_loss");
        g = format_metric(summary->last_metrics, "g_loss");
      }
    } catch (const std::exception&) {
      status = "unreadable";
    }
    rows.push_back({plan.runs[i].id, status, steps, d, g, path.string()});
  }
  fmt::print("\n{}", format_table(rows));
  fmt::print("\nResults: {}/{} (per-run HDF5 files and PNG sample grids in {})\n", plan.out,
             fs::exists(fs::path(plan.out) / "sweep.h5") ? "sweep.h5" : "runs/", runs_dir.string());
  std::fflush(stdout);
}

}  // namespace

int assigned_rank(size_t run_index, int world_size) {
  return static_cast<int>(run_index % static_cast<size_t>(world_size));
}

int execute_plan(const SweepPlan& plan, const ExecutionOptions& options,
                 const launch::MpiSession& mpi) {
  // 1. Validate everywhere; nothing is written unless every rank agrees the input is good.
  Validated v;
  std::string error;
  try {
    v = validate_plan(plan, options, mpi);
  } catch (const ConfigError& e) {
    error = e.what();
  } catch (const data::DataError& e) {
    error = e.what();
  } catch (const std::exception& e) {
    // Anything else at this stage still comes from the input (e.g. an unreadable file): every
    // rank must reach the agreement below, or the ranks that passed would wait forever.
    error = e.what();
  }
  if (mpi.allreduce_max(error.empty() ? 0 : 1) != 0) {
    if (mpi.allreduce_min(error.empty() ? INT_MAX : mpi.rank()) == mpi.rank())
      fmt::print(stderr, "ganrun: {}\n", error);
    return kExitBadInput;
  }
  const int threads =
      options.threads > 0 ? options.threads : launch::threads_for_rank(mpi.local_size());
  torch::set_num_threads(threads);
  if (mpi.is_root()) print_plan(plan, v, mpi.size(), threads);
  if (options.dry_run) return kExitOk;

  // 2. The output folder and the sweep index, by rank 0 alone.
  const fs::path runs_dir = fs::path(plan.out) / "runs";
  std::string setup_error;
  if (mpi.is_root()) {
    try {
      fs::create_directories(runs_dir);
      remove_stale_snapshots(runs_dir);
      if (options.write_sweep_index) {
        std::vector<SweepIndexRun> index;
        for (size_t i = 0; i < plan.runs.size(); ++i)
          index.push_back({plan.runs[i].id, assigned_rank(i, mpi.size()), plan.runs[i].grid_point});
        write_sweep_index(fs::path(plan.out) / "sweep.h5", plan.name, plan.text, plan.grid_keys,
                          index);
      }
    } catch (const std::exception& e) {
      setup_error = fmt::format("cannot write to out folder '{}': {}; choose another --out",
                                plan.out, e.what());
      fmt::print(stderr, "ganrun: {}\n", setup_error);
    }
  }
  if (mpi.allreduce_max(setup_error.empty() ? 0 : 1) != 0) return kExitBadInput;

  // 3. This rank's runs.
  RunEnvironment env;
  env.device = v.device;
  env.rank = mpi.rank();
  env.threads = threads;
  env.command_line = options.command_line;
  env.runs_dir = runs_dir;
  int code = kExitOk;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    if (assigned_rank(i, mpi.size()) != mpi.rank()) continue;
    const RunSpec& run = plan.runs[i];
    if (!options.force) {
      std::optional<RunFileSummary> previous;
      try {
        previous = read_run_summary(run_file_path(runs_dir, run.id));
      } catch (const std::exception&) {
        // An unreadable leftover is rerun from the start.
      }
      if (previous && (previous->status == "completed" || previous->status == "diverged")) {
        fmt::print(stderr, "[rank {}] {}  skipped: already {} (--force reruns it)\n", mpi.rank(),
                   run.id, previous->status);
        continue;
      }
    }
    try {
      const RunResult result = execute_run(run, *v.sources.at(dataset_key(run.settings)), env);
      if (result.outcome == RunOutcome::kFailed) code = std::max(code, kExitRunFailed);
    } catch (const std::exception& e) {
      fmt::print(stderr, "[rank {}] {}  failed: {}\n", mpi.rank(), run.id, e.what());
      code = std::max(code, kExitRunFailed);
    }
  }

  // 4. One exit code for the job; rank 0 waits here for every rank's runs to end.
  const int agreed = mpi.allreduce_max(code);
  if (mpi.is_root()) print_summary(plan, v, runs_dir);
  return agreed;
}

}  // namespace ganrun
