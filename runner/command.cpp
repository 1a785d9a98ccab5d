// runner/command.cpp — `ganrun` argument dispatch: --help, --version, --sweep, and the
// subcommands train and sample. Turns user-input errors into exit code 2 with one message.
#include "runner/command.h"

#include <ATen/Context.h>
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed
#include <torch/cuda.h>

#include <boost/program_options.hpp>
#include <exception>
#include <string>
#include <vector>

#include "common/build_components.h"  // ganrun --version lists them
#include "data/data_error.h"
#include "launch/mpi_session.h"
#include "runner/byte_size.h"
#include "runner/config_error.h"
#include "runner/pack_plan.h"
#include "runner/plan_execution.h"
#include "runner/plan_validation.h"  // check_device_flag
#include "runner/subcommands.h"
#include "runner/version.h"

namespace ganrun {
namespace po = boost::program_options;
namespace {

constexpr const char* kUsage =
    "ganrun — GAN experiment runner\n"
    "\n"
    "Usage:\n"
    "  ganrun --sweep FILE.yaml [--dry-run] [--force] [--out DIR] [--device D] [--threads N]\n"
    "  mpirun -n N ganrun --sweep FILE.yaml     (each rank takes the next run when it is free)\n"
    "  ganrun train [options]                   (one run; see ganrun train --help)\n"
    "  ganrun sample RUN.h5 --out grid.png [--n 64] [--seed S]\n"
    "  ganrun data list|fetch|verify|pack|show ...  (data sets; see ganrun data --help)\n"
    "  ganrun presets [NAME]                    (named recipes and every value they set)\n"
    "  ganrun status OUT [--watch [SECONDS]]    (the runs' status, step, losses, ETA)\n"
    "  ganrun --version | --help\n"
    "\n"
    "Exit codes: 0 every run completed or diverged; 1 some run failed; 2 bad input or usage\n"
    "(nothing written); 75 interrupted by a signal (rerun the command to resume).\n";

std::string joined_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

po::options_description sweep_options() {
  po::options_description d("Sweep options");
  // One option per line reads like the help text it produces.
  // clang-format off
  d.add_options()
      ("sweep", po::value<std::string>(), "sweep file (YAML) to run")
      ("dry-run", "print the run plan (ids, ranks, steps) and write nothing")
      ("force", "rerun every run, also those whose files say completed or diverged")
      ("out", po::value<std::string>(), "output folder (overrides the sweep file's out)")
      ("device", po::value<std::string>(), "auto | cpu | cuda (overrides the sweep file's device)")
      ("threads", po::value<int>()->default_value(0),
       "intra-op threads per rank (0: the cores bound to the rank, shared on the node)")
      ("ranks-per-gpu", po::value<int>()->default_value(1),
       "ranks of a node that may share one GPU (more ranks than GPUs is an error otherwise)")
      ("memory-budget", po::value<std::string>(),
       "image bytes a rank may hold in memory, e.g. 4GiB (overrides dataset.memory_budget); "
       "a larger HDF5 pack is read on demand")
      ("verify", "check the data files against the published checksums before training")
      ("pack", po::value<std::string>(),
       "off | auto | K: train up to K grid points that differ only in lr_g, lr_d, beta1, beta2 "
       "and seed as one stacked model (overrides the sweep file's pack)")
      ("cuda-graphs", "capture each training step as a CUDA graph and replay it (CUDA only; "
       "runs that cannot be captured train eagerly and say why)")
      ("no-cuda-graphs", "train every step eagerly (to compare; capturing is the default on CUDA)")
      ("help,h", "this help")
      ("version", "print the version and the git commit it was built from");
  // clang-format on
  return d;
}

int sweep_main(int argc, char** argv, launch::MpiSession& mpi) {
  const auto desc = sweep_options();
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (mpi.is_root()) fmt::print("{}\n{}", kUsage, fmt::streamed(desc));
    return kExitOk;
  }
  if (vm.count("version")) {
    if (mpi.is_root()) {
      fmt::print("ganrun {} (git {})\n", version(), git_commit());
      // Optional components (cmake/Components.cmake), e.g. "fetch: on (found libcurl, ...)".
      for (const build::Component& c : build::kComponents)
        fmt::print("component {}: {} ({})\n", c.name, c.built ? "on" : "off", c.reason);
      fmt::print("cuda: {} device(s) visible\n", torch::cuda::device_count());
    }
    return kExitOk;
  }
  if (!vm.count("sweep"))
    throw ConfigError("nothing to do: give --sweep FILE.yaml or a subcommand (ganrun --help)");
  SweepPlan plan = load_sweep(vm["sweep"].as<std::string>());
  if (vm.count("out")) plan.out = vm["out"].as<std::string>();
  if (vm.count("device")) {
    plan.device = vm["device"].as<std::string>();
    check_device_flag(plan.device);
  }
  if (vm.count("pack")) plan.pack = parse_pack_setting(vm["pack"].as<std::string>(), "--pack");
  if (vm["threads"].as<int>() < 0) throw ConfigError("--threads must be >= 0");
  if (vm.count("memory-budget"))
    plan.memory_budget = parse_byte_size(vm["memory-budget"].as<std::string>(), "--memory-budget");
  ExecutionOptions options;
  options.dry_run = vm.count("dry-run") > 0;
  options.force = vm.count("force") > 0;
  options.verify = vm.count("verify") > 0;
  options.threads = vm["threads"].as<int>();
  options.ranks_per_gpu = vm["ranks-per-gpu"].as<int>();
  options.cuda_graphs =
      cuda_graphs_flag(vm.count("cuda-graphs") > 0, vm.count("no-cuda-graphs") > 0);
  options.command_line = joined_command_line(argc, argv);
  return execute_plan(plan, options, mpi);
}

}  // namespace

int run_command(int argc, char** argv) {
  // CUDA float32 matrix products and convolutions in full precision (LibTorch allows TF32 in
  // cuDNN by default); a run that asks for TF32 switches it on while it trains
  // (reduced_precision, runner/train_loop.h's Float32Precision).
  for (const auto op : {at::Float32Op::MATMUL, at::Float32Op::CONV})
    at::globalContext().setFloat32Precision(at::Float32Backend::CUDA, op,
                                            at::Float32Precision::IEEE);
  std::unique_ptr<launch::MpiSession> mpi;
  try {
    mpi = std::make_unique<launch::MpiSession>(&argc, &argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ganrun: cannot start MPI: {}\n", e.what());
    return kExitBadInput;
  }
  int code = kExitOk;
  try {
    const std::string sub = argc > 1 ? argv[1] : "";
    if (sub == "train")
      code = train_main(argc - 1, argv + 1, *mpi);
    else if (sub == "sample")
      code = sample_main(argc - 1, argv + 1, *mpi);
    else if (sub == "data")
      code = data_main(argc - 1, argv + 1, *mpi);
    else if (sub == "presets")
      code = presets_main(argc - 1, argv + 1, *mpi);
    else if (sub == "eval")
      code = eval_main(argc - 1, argv + 1, *mpi);
    else if (sub == "status")
      code = status_main(argc - 1, argv + 1, *mpi);
    else if (!sub.empty() && sub[0] != '-')
      throw ConfigError("unknown subcommand '" + sub +
                        "' (known: train, sample, eval, status, data, presets; or --sweep "
                        "FILE)");
    else
      code = sweep_main(argc, argv, *mpi);
  } catch (const po::error& e) {
    // Usage errors are the same on every rank: rank 0 says it once.
    if (mpi->is_root()) fmt::print(stderr, "ganrun: {} (see ganrun --help)\n", e.what());
    code = kExitBadInput;
  } catch (const ConfigError& e) {
    if (mpi->is_root()) fmt::print(stderr, "ganrun: {}\n", e.what());
    code = kExitBadInput;
  } catch (const data::DataError& e) {
    if (mpi->is_root()) fmt::print(stderr, "ganrun: {}\n", e.what());
    code = kExitBadInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ganrun: rank {}: {}\n", mpi->rank(), e.what());
    code = kExitRunFailed;
  }
  mpi.reset();  // MPI_Finalize before exit, on every path
  return code;
}

}  // namespace ganrun
