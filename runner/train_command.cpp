// runner/train_command.cpp — `ganrun train`: one run from command-line flags, through the same
// validation, run file and summary as a sweep of one grid point.
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed

#include <boost/program_options.hpp>
#include <set>

#include "runner/byte_size.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/data_command.h"
#include "runner/name_list.h"
#include "runner/plan_execution.h"
#include "runner/plan_validation.h"  // check_device_flag
#include "runner/presets.h"
#include "runner/subcommands.h"

namespace ganrun {
namespace po = boost::program_options;
namespace {

// Names a settings key the way the user typed it: "lr_g" -> "--lr-g".
std::string as_flag(std::string message) {
  const auto space = message.find(' ');
  std::string key = message.substr(0, space);
  if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
    return message;
  for (char& c : key)
    if (c == '_') c = '-';
  return "--" + key + message.substr(space == std::string::npos ? message.size() : space);
}

std::string dashed(std::string key) {
  for (char& c : key)
    if (c == '_') c = '-';
  return key;
}

// A name key's help lists its values ("gan | lsgan | ..."), from the registries that hold them.
std::string help_for(const std::string& key) {
  if (is_interval_key(key))
    return "sweep-file key " + key + ": N steps, or Nep for N epochs ({epochs: N})";
  const auto choices = setting_choices(key);
  return choices.empty() ? "sweep-file key " + key + " (README: settings)" : join(choices, " | ");
}

}  // namespace

int train_main(int argc, char** argv, launch::MpiSession& mpi) {
  RunSettings s;
  std::string out = "results/train", device = "auto";
  int threads = 0, ranks_per_gpu = 1;
  po::options_description d("ganrun train [options]");
  // One option per line reads like the help text it produces.
  // clang-format off
  d.add_options()
      ("variant", po::value(&s.variant)->default_value(s.variant), help_for("variant").c_str())
      ("arch", po::value(&s.arch)->default_value(s.arch), help_for("arch").c_str())
      ("preset", po::value(&s.preset),
       "a named recipe (ganrun presets lists them); explicit flags override its values")
      ("dataset", po::value(&s.dataset)->default_value(s.dataset), help_for("dataset").c_str())
      ("data-dir", po::value(&s.data_dir),
       ("folder with the data files, or an HDF5 pack (F.h5 from ganrun data pack); default: " +
        data_cli::default_folders()).c_str())
      ("split", po::value(&s.split)->default_value(s.split), help_for("split").c_str())
      ("memory-budget", po::value<std::string>()->default_value("4GiB"),
       "image bytes this process may hold in memory; a larger HDF5 pack is read on demand")
      ("epochs", po::value<int64_t>(), "epochs (default 30 when --steps is not given)")
      ("steps", po::value<int64_t>(), "generator steps (instead of --epochs)")
      ("batch", po::value(&s.batch)->default_value(s.batch), "global batch size")
      ("lr", po::value<double>(), "learning rate of both nets (sets --lr-g and --lr-d)")
      ("lr-g", po::value(&s.lr_g)->default_value(s.lr_g, "2e-4"), "generator learning rate")
      ("lr-d", po::value(&s.lr_d)->default_value(s.lr_d, "2e-4"), "discriminator learning rate")
      ("beta1", po::value(&s.beta1)->default_value(s.beta1, "0.5"), "Adam beta1")
      ("beta2", po::value(&s.beta2)->default_value(s.beta2, "0.999"), "Adam beta2")
      ("n-critic", po::value(&s.n_critic)->default_value(s.n_critic),
       "critic updates per generator update (each on a fresh real batch)")
      ("seed", po::value(&s.seed)->default_value(s.seed), "seed of every random draw of the run")
      ("z-dim", po::value(&s.z_dim)->default_value(s.z_dim), "noise dimension")
      ("dtype", po::value(&s.dtype)->default_value(s.dtype),
       "float32 | float64 (data, noise and models)")
      ("device", po::value(&device)->default_value(device),
       "auto | cpu | cuda (auto: CUDA when a GPU is present)")
      ("threads", po::value(&threads)->default_value(0),
       "intra-op threads (0: the cores this process may use)")
      ("ranks-per-gpu", po::value(&ranks_per_gpu)->default_value(1),
       "ranks of a node that may share one GPU (more ranks than GPUs is an error otherwise)")
      ("out", po::value(&out)->default_value(out),
       "output folder; the run is written to OUT/runs/<run-id>.h5 and .png")
      ("force", "rerun even if OUT already holds this run completed or diverged")
      ("dry-run", "print the plan and write nothing")
      ("verify", "check the data files against the published checksums before training")
      ("data-parallel",
       "train this run on all ranks of the job as one data-parallel group (each rank takes "
       "batch / ranks of every global batch; gradients averaged over the ranks)")
      ("cuda-graphs", "capture each training step as a CUDA graph and replay it (CUDA only)")
      ("no-cuda-graphs", "train every step eagerly (to compare; capturing is the default on CUDA)")
      ("help,h", "this help");
  // clang-format on
  // Every other per-run key of the sweep file as --key-with-dashes VALUE, read and checked by
  // the same rules as the file (set_setting_text).
  po::options_description more("Variant, optimiser and architecture settings (sweep-file keys)");
  std::vector<std::pair<std::string, std::string>> generic;  // (flag, key)
  for (const auto& key : run_setting_keys()) {
    const std::string flag = dashed(key);
    if (d.find_nothrow(flag, false) != nullptr || !setting_traits(key).flag) continue;
    more.add_options()(flag.c_str(), po::value<std::string>(), help_for(key).c_str());
    generic.emplace_back(flag, key);
  }
  d.add(more);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(d).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (mpi.is_root()) fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (vm.count("epochs") && vm.count("steps"))
    throw ConfigError("give --epochs or --steps, not both");
  if (vm.count("steps")) s.steps = vm["steps"].as<int64_t>();
  if (vm.count("epochs")) s.epochs = vm["epochs"].as<int64_t>();
  if (vm.count("lr")) {
    if (!vm["lr-g"].defaulted() || !vm["lr-d"].defaulted())
      throw ConfigError("give --lr, or --lr-g and --lr-d, not both");
    s.lr_g = s.lr_d = vm["lr"].as<double>();
  }
  // What the command line set explicitly: a preset fills only the rest.
  std::set<std::string> explicit_fields;
  for (const auto& key : run_setting_keys()) {
    const std::string flag = dashed(key);
    if (vm.count(flag) && !vm[flag].defaulted())
      for (const auto& f : fields_written(key)) explicit_fields.insert(f);
  }
  try {
    for (const auto& [flag, key] : generic)
      if (vm.count(flag)) set_setting_text(s, key, vm[flag].as<std::string>());
    if (!s.preset.empty()) apply_preset(s, s.preset, explicit_fields);
  } catch (const ConfigError& e) {
    throw ConfigError(as_flag(e.what()));
  }
  if (s.epochs == 0 && s.steps == 0) s.epochs = kDefaultEpochs;
  check_device_flag(device);
  if (threads < 0) throw ConfigError("--threads must be >= 0");
  try {
    validate(s);
  } catch (const ConfigError& e) {
    throw ConfigError(as_flag(e.what()));
  }
  SweepPlan plan;
  plan.file = "ganrun train";
  plan.name = "train";
  plan.out = out;
  plan.device = device;
  plan.runs.push_back(make_single_run(s));
  // --data-parallel: the whole world is one group training this run (ranks_per_run = world).
  if (vm.count("data-parallel")) plan.ranks_per_run = mpi.size();
  plan.memory_budget = parse_byte_size(vm["memory-budget"].as<std::string>(), "--memory-budget");
  ExecutionOptions options;
  options.dry_run = vm.count("dry-run") > 0;
  options.force = vm.count("force") > 0;
  options.verify = vm.count("verify") > 0;
  options.write_sweep_index = false;
  options.threads = threads;
  options.ranks_per_gpu = ranks_per_gpu;
  options.cuda_graphs =
      cuda_graphs_flag(vm.count("cuda-graphs") > 0, vm.count("no-cuda-graphs") > 0);
  for (int i = 0; i < argc; ++i)
    options.command_line += (i ? " " : "ganrun ") + std::string(argv[i]);
  return execute_plan(plan, options, mpi);
}

}  // namespace ganrun
