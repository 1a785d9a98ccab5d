// runner/plan_validation.cpp — the checks before anything is written or printed (see header).
#include "runner/plan_validation.h"

#include <fmt/format.h>
#include <torch/cuda.h>  // torch::cuda::is_available, device_count
#include <unistd.h>      // access

#include <cerrno>
#include <cstring>  // strerror
#include <optional>

#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/hdf5_pack.h"
#include "data/verify.h"
#include "runner/config_error.h"
#include "runner/run_executor.h"  // total_steps
#include "runner/sweep_diff.h"
#include "runner/sweep_index.h"

namespace ganrun {
namespace fs = std::filesystem;
namespace {

// A rank's device: CUDA GPU number (launch/device_binding.h) when one is wanted and visible.
torch::Device choose_device(const std::string& wanted, const launch::GpuPeers& peers,
                            int ranks_per_gpu) {
  if (!runs_on_cuda(wanted)) return torch::Device(torch::kCPU);
  const int gpus = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(
                                         launch::gpu_for_peer(peers, gpus, ranks_per_gpu)));
}

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
// decodes is a warning); a pack is checked against the checksums stored in it. The lines
// (printed by rank 0 only) say what was verified: data/verify.h's report, as it is.
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

// A sweep rerun into an out folder must be the sweep stored there.
void check_stored_sweep(const SweepPlan& plan) {
  const auto index = fs::path(plan.out) / "sweep.h5";
  std::optional<std::string> stored;
  try {
    stored = read_sweep_text(index);
  } catch (const std::exception& e) {
    throw ConfigError(fmt::format(
        "{}: cannot read the existing sweep index ({}); remove it or choose another out folder",
        index.string(), e.what()));
  }
  if (!stored) return;
  if (auto key = first_differing_key(*stored, plan.text))
    throw ConfigError(fmt::format(
        "{}: out folder '{}' holds a different sweep (first difference at key '{}'); choose "
        "another out folder, or restore the sweep file that produced it",
        plan.file, plan.out, *key));
}

}  // namespace

void check_device_flag(const std::string& device) {
  if (device != "auto" && device != "cpu" && device != "cuda")
    throw ConfigError("--device must be auto, cpu or cuda (got '" + device + "')");
}

bool runs_on_cuda(const std::string& wanted) {
  const bool have_cuda = torch::cuda::is_available();
  if (wanted == "cuda" && !have_cuda)
    throw ConfigError(
        "device 'cuda' requested but no CUDA GPU is visible to this process; use --device cpu "
        "(or auto, which picks CUDA only when a GPU is present)");
  return wanted != "cpu" && have_cuda;
}

std::string dataset_key(const RunSettings& s) {
  return s.dataset + "|" + s.data_dir + "|" + s.split;
}

std::string ranks_per_run_error(const SweepPlan& plan, int world_size) {
  const int64_t k = plan.ranks_per_run;
  if (k < 1) return fmt::format("{}: ranks_per_run must be >= 1 (got {})", plan.file, k);
  if (world_size % k != 0)
    return fmt::format(
        "{}: ranks_per_run: {} needs a number of ranks divisible by {}, but this job has {}; "
        "start {} ranks (mpirun -n {}), or choose a ranks_per_run that divides {}",
        plan.file, k, k, world_size, (world_size / k + 1) * k, (world_size / k + 1) * k,
        world_size);
  // batch % k == 0 with batch >= 1 also means every rank's shard holds batch / k >= 1 samples.
  for (const auto& run : plan.runs)
    if (run.settings.batch % k != 0)
      return fmt::format(
          "{}: run {}: batch {} does not divide over the {} ranks that train it (each takes "
          "batch / {}); choose a batch that is a multiple of {}",
          plan.file, run.id, run.settings.batch, k, k, k);
  return "";
}

void check_job_shape(const SweepPlan& plan, const ExecutionOptions& options, int world_size) {
  if (!options.write_sweep_index && world_size > 1 && plan.ranks_per_run == 1)
    throw ConfigError(fmt::format(
        "{} ranks for one run: pass --data-parallel to train it on all of them, or start one "
        "process (ganrun --sweep spreads the runs of a grid over ranks)",
        world_size));
  if (const auto error = ranks_per_run_error(plan, world_size); !error.empty())
    throw ConfigError(error);
  if (options.ranks_per_gpu < 1)
    throw ConfigError(fmt::format("--ranks-per-gpu must be >= 1 (got {})", options.ranks_per_gpu));
}

std::string out_folder_error(const fs::path& out) {
  const std::string fix = "choose another out folder (--out)";
  // The deepest part of `out` that exists decides: out itself must be a folder, or the folder
  // it would be created in; either must let this process create files in it.
  fs::path p = out;
  while (true) {
    if (p.empty()) p = ".";
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found) {
      if (p == ".")
        return fmt::format("cannot create out folder '{}': the current folder no longer exists; {}",
                           out.string(), fix);
      // Up to the parent; past the first part of a relative path, the current folder.
      p = p.has_parent_path() && p != p.parent_path() ? p.parent_path() : fs::path(".");
      continue;
    }
    if (ec)
      return fmt::format("cannot use out folder '{}': cannot look at '{}' ({}); {}", out.string(),
                         p.string(), ec.message(), fix);
    if (!fs::is_directory(st))
      return p == out
                 ? fmt::format("out folder '{}' is an existing file, not a folder; {}",
                               out.string(), fix)
                 : fmt::format("cannot create out folder '{}': '{}' is a file, not a folder; {}",
                               out.string(), p.string(), fix);
    if (access(p.c_str(), W_OK | X_OK) != 0)
      return fmt::format("cannot {} out folder '{}': '{}' is not writable ({}); {}",
                         p == out ? "write to" : "create", out.string(), p.string(),
                         std::strerror(errno), fix);
    break;
  }
  // A leftover file where ganrun puts its run files.
  std::error_code ec;
  if (fs::exists(out / "runs", ec) && !fs::is_directory(out / "runs", ec))
    return fmt::format(
        "out folder '{}' holds a file 'runs' where the run files go; remove it or {}", out.string(),
        fix);
  return "";
}

Validated validate_plan(const SweepPlan& plan, const ExecutionOptions& options,
                        const launch::MpiSession& mpi, const launch::GpuPeers& peers) {
  if (const auto error = out_folder_error(plan.out); !error.empty()) throw ConfigError(error);
  Validated v;
  v.device = choose_device(plan.device, peers, options.ranks_per_gpu);
  for (const auto& run : plan.runs) {
    const auto key = dataset_key(run.settings);
    if (options.verify && !data::is_toy_dataset(run.settings.dataset) && !v.sources.count(key))
      verify_data(run.settings, mpi.is_root());
    if (!v.sources.count(key))
      v.sources.emplace(key, open_source(run.settings, plan.memory_budget, v.device));
    try {
      v.steps.push_back(total_steps(run.settings, v.sources.at(key)->size()));
    } catch (const ConfigError& e) {
      // A sweep names the run it means; `ganrun train` has only the one.
      if (!options.write_sweep_index) throw;
      throw ConfigError(fmt::format("{}: run {}: {}", plan.file, run.id, e.what()));
    }
  }
  if (options.write_sweep_index) check_stored_sweep(plan);
  return v;
}

}  // namespace ganrun
