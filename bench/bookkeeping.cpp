// bench/bookkeeping.cpp — what a run pays outside its steps: one epoch's sample-order
// permutation at MNIST's size, and one run-file commit (write-then-rename snapshot) of a typical
// MNIST run late in training, before and after its generator is stored. The unit tests check
// that these work (sample_order_test, run_file_test); this prints how long they take. Not a
// test; figures go to bench/RESULTS.md.
//
//   ganrun_bench_bookkeeping [--dir DIR] [--repeats N]
// DIR (default: the system temp folder) holds the run file, removed at the end: point it at the
// disk the runs write to. Each figure is the best and the mean of N (default 5) repeats.
#include <ATen/Parallel.h>  // at::set_num_threads
#include <fmt/core.h>
#include <unistd.h>  // getpid

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>  // std::memcpy
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/sample_order.h"
#include "runner/run_file.h"

namespace {

namespace fs = std::filesystem;
using namespace ganrun;
using Clock = std::chrono::steady_clock;

struct Timing {
  double best_ms = 1e300, mean_ms = 0;
};

// Calls fn `repeats` times, timing each call.
Timing time_calls(int repeats, const std::function<void()>& fn) {
  Timing t;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    fn();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    t.best_ms = std::min(t.best_ms, ms);
    t.mean_ms += ms / repeats;
  }
  return t;
}

void print_row(const std::string& what, const Timing& t, const std::string& extra = "") {
  fmt::print("{:<58} best {:9.2f} ms  mean {:9.2f} ms{}\n", what, t.best_ms, t.mean_ms, extra);
}

// The first batch of a fresh epoch computes the epoch's whole permutation (the rest of the
// epoch reads the cached one): epoch e of repeat e, so no repeat finds its epoch cached.
void bench_sample_order(int repeats) {
  data::SampleOrder order(60000, 64, 1);
  int64_t epoch = 0;
  const Timing t = time_calls(repeats, [&] { order.indices(epoch++, 0, 0, 64); });
  print_row("sample order: permutation of 60,000 samples (one epoch)", t);
}

NamedArray float_array(const std::string& name, std::vector<int64_t> shape, float value) {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  NamedArray a{name, std::move(shape), false, std::vector<char>(static_cast<size_t>(n) * 4)};
  const std::vector<float> values(static_cast<size_t>(n), value);
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

// 1,000 metric rows x 6 metrics, 10 sample grids of 64x1x28x28 (10 x 50,176 B), then a
// 1.5M-float generator (6 MB): the shape of an MNIST run's file late in training.
void bench_run_file(const fs::path& dir, int repeats) {
  const fs::path path = dir / "bench-run.h5";
  const std::vector<std::string> names = {"loss_d", "loss_g", "gp",
                                          "d_real", "d_fake", "grad_norm"};
  RunFileWriter w(path, {{"variant", std::string("gan")}}, std::string(2000, 'y'), names,
                  SampleShape{64, 1, 28, 28});
  for (int i = 0; i < 1000; ++i)
    w.append_metrics(i * 10, i * 0.01, std::vector<double>(6, 0.5 * i));
  std::vector<uint8_t> grid(64 * 28 * 28);
  for (int t = 0; t < 10; ++t) {
    for (size_t i = 0; i < grid.size(); ++i) grid[i] = static_cast<uint8_t>(t + i * 7);
    w.append_samples(t * 1000, grid);
  }
  auto size_mb = [&] { return fmt::format("  ({:.2f} MB)", fs::file_size(path) / 1e6); };
  const Timing during = time_calls(repeats, [&] { w.commit(); });
  print_row("run file commit: metrics + samples (during training)", during, size_mb());
  w.set_generator({float_array("fc1.weight", {1500, 1000}, 0.25f)});
  const Timing final = time_calls(repeats, [&] { w.commit(); });
  print_row("run file commit: + 1.5M-float generator (final)", final, size_mb());
  fs::remove(path);
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::temp_directory_path() / ("ganrun-bench-" + std::to_string(getpid()));
  bool own_dir = true;  // made here, so removed at the end
  int repeats = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
      own_dir = false;
    } else if (arg == "--repeats" && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
    } else {
      fmt::print(stderr, "usage: {} [--dir DIR] [--repeats N]\n", argv[0]);
      return 2;
    }
  }
  if (repeats < 1) {
    fmt::print(stderr, "ganrun_bench_bookkeeping: --repeats must be at least 1\n");
    return 2;
  }
  at::set_num_threads(1);
  try {
    fs::create_directories(dir);
    fmt::print("ganrun_bench_bookkeeping: {} repeats, run file in {}\n", repeats, dir.string());
    bench_sample_order(repeats);
    bench_run_file(dir, repeats);
    if (own_dir) fs::remove(dir);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ganrun_bench_bookkeeping: {}\n", e.what());
    return 1;
  }
  return 0;
}
