// runner/sample_command.cpp — `ganrun sample RUN.h5`: rebuilds the run's generator from the
// weights saved in its file (/generator) and draws a fresh grid with a new seed, on the CPU or
// a CUDA GPU (--device).
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed

#include <boost/program_options.hpp>
#include <cmath>

#include "models/run_random.h"
#include "models/variant.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/plan_validation.h"  // check_device_flag, runs_on_cuda
#include "runner/png_grid.h"
#include "runner/saved_run.h"
#include "runner/subcommands.h"
#include "runner/train_loop.h"

namespace ganrun {
namespace po = boost::program_options;

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
  SavedRun run = load_saved_run(run_path, device);
  if (!mpi.is_root()) return kExitOk;
  const RunSettings& settings = run.settings;
  const models::VariantConfig& vc = run.config;
  auto& variant = run.variant;
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
