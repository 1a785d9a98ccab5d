// runner/sample_command.cpp — `ganrun sample RUN.h5`: rebuilds the run's generator from the
// weights saved in its file (/generator) and draws a fresh grid with a new seed, on the CPU or
// a CUDA GPU (--device).
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cmath>

#include "models/run_random.h"
#include "models/variant.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/plan_validation.h"  // check_device_flag, runs_on_cuda
#include "runner/png_grid.h"
#include "runner/run_file.h"
#include "runner/subcommands.h"
#include "runner/train_loop.h"
#include "runner/variant_config.h"

namespace ganrun {
namespace po = boost::program_options;
namespace {

template <typename T>
T attr_as(const RunFileSummary& run, const std::string& file, const std::string& name) {
  const auto it = run.attrs.find(name);
  if (it == run.attrs.end() || !std::holds_alternative<T>(it->second))
    throw ConfigError(
        fmt::format("{}: run file has no usable attribute '{}'; it was not written "
                    "by this version of ganrun",
                    file, name));
  return std::get<T>(it->second);
}

}  // namespace

int sample_main(int argc, char** argv, launch::MpiSession& mpi) {
  std::string run_path, out, device_name = "auto";
  int64_t n = 64, seed = 0;
  po::options_description d("ganrun sample RUN.h5 --out grid.png [options]");
  // clang-format off
  d.add_options()
      ("run", po::value(&run_path), "run file (OUT/runs/<run-id>.h5) of a completed run")
      ("out", po::value(&out), "PNG file to write")
      ("n", po::value(&n)->default_value(n), "number of samples")
      ("seed", po::value(&seed)->default_value(seed), "seed of the noise")
      ("device", po::value(&device_name)->default_value(device_name),
       "auto | cpu | cuda: where the generator runs (auto: the first GPU when one is visible)")
      ("help,h", "this help");
  // clang-format on
  po::positional_options_description pos;
  pos.add("run", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(d).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (mpi.is_root()) fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (run_path.empty())
    throw ConfigError("sample: give the run file (ganrun sample RUN.h5 --out grid.png)");
  if (out.empty()) throw ConfigError("sample: give --out grid.png");
  if (n < 1 || n > 10000) throw ConfigError("--n must be in 1..10000");
  if (seed < 0) throw ConfigError("--seed must be >= 0");
  check_device_flag(device_name);
  const torch::Device device =
      runs_on_cuda(device_name) ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  const auto run = read_run_summary(run_path);
  if (!run) throw ConfigError(fmt::format("run file '{}' not found", run_path));
  if (run->status != "completed")
    throw ConfigError(
        fmt::format("{}: run status is '{}'; only completed runs save their "
                    "generator (rerun the sweep to complete it)",
                    run_path, run->status));
  if (!mpi.is_root()) return kExitOk;

  // The run's own resolved settings (/config), so every variant and architecture setting
  // rebuilds the same generator.
  RunSettings settings;
  const YAML::Node config = YAML::Load(run->config_yaml);
  for (const auto& item : config) {
    const auto key = item.first.as<std::string>();
    // Not needed to rebuild G, and "0" means "not set" for epochs/steps.
    if (key == "data_dir" || key == "epochs" || key == "steps") continue;
    set_setting_text(settings, key, item.second.as<std::string>());
  }
  if (settings.dataset.rfind("toy-", 0) == 0)
    throw ConfigError(
        fmt::format("{}: a 2-D toy run has no images; its sample points are in the "
                    "run file's /toy/points",
                    run_path));
  const DataShape shape{attr_as<int64_t>(*run, run_path, "channels"),
                        attr_as<int64_t>(*run, run_path, "height"),
                        attr_as<int64_t>(*run, run_path, "width"), 10};
  const models::VariantConfig vc = make_variant_config(settings, shape, device);
  auto variant = models::make_variant(vc);
  models::NamedTensors state;
  for (const auto& array : read_generator(run_path)) {
    const auto type = array.is_float64 ? torch::kFloat64 : torch::kFloat32;
    auto t = torch::from_blob(const_cast<char*>(array.bytes.data()), array.shape,
                              torch::TensorOptions().dtype(type))
                 .clone();
    state.emplace_back(array.name, t.to(device, vc.dtype));
  }
  variant->load_generator_state(state);
  // Conditional variants draw their 10 x 10 class-by-noise grid (10 noise rows) whatever --n.
  const int64_t rows = variant->fixed_noise_rows() == 64 ? n : variant->fixed_noise_rows();
  // Keyed by the user's seed (Purpose::kUser), from the run's own z distribution.
  const auto z =
      models::draw_z(rows, vc.z_dim, static_cast<uint64_t>(seed), 0, models::Purpose::kUser, 0,
                     models::parse_z_dist(settings.z_dist), torch::TensorOptions().dtype(vc.dtype))
          .to(device);
  auto images = to_uint8_images(variant->sample(z), settings.pixel_range).cpu().contiguous();
  n = images.size(0);
  const auto* p = images.data_ptr<uint8_t>();
  write_png_grid(out, std::vector<uint8_t>(p, p + images.numel()), n, vc.channels, vc.height,
                 vc.width);
  fmt::print("wrote {} samples of {} to {}\n", n, run_path, out);
  return kExitOk;
}

}  // namespace ganrun
