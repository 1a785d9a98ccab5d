// bench/data_loading.cpp — data-side costs: how long each format takes to load in full, and
// what one of 4 data-parallel ranks pays per batch and in peak memory when it reads an HDF5
// pack on demand vs holds the whole set. Not a test; figures go to bench/RESULTS.md.
//
//   ganrun_bench_data all  --fashion DIR --mnist DIR --cifar DIR --pack FILE   (the table)
//   ganrun_bench_data rank --pack FILE --source memory|pack [--min-seconds S]  (one mode)
// `all` runs each rank mode as a child process of its own, so peak RSS (VmHWM) is per mode.
#include <ATen/Parallel.h>  // at::set_num_threads
#include <fmt/core.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "data/batch_source.h"
#include "data/cifar_reader.h"
#include "data/dataset.h"
#include "data/hdf5_pack.h"
#include "data/idx_reader.h"
#include "data/sample_order.h"

namespace {

namespace fs = std::filesystem;
using namespace ganrun;
using Clock = std::chrono::steady_clock;

constexpr int kRepeats = 3;           // loads timed per format; the best is reported
constexpr int64_t kGlobalBatch = 64;  // the global batch of the data-parallel run
constexpr int kRanks = 4;             // ranks sharing it: this rank's slice is 64 / 4 = 16
constexpr int kRank = 0;              // the rank measured (any rank costs the same)
constexpr double kMinSeconds = 2.0;   // each rank mode runs at least this long ...
constexpr int64_t kMinBatches = 937;  // ... and at least one epoch of Fashion-MNIST train

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A field of /proc/self/status in MiB (VmRSS now, VmHWM the peak so far).
double status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream fields(line.substr(field.size() + 1));
      int64_t kib = 0;
      fields >> kib;
      return static_cast<double>(kib) / 1024.0;
    }
  }
  return -1.0;
}

double dataset_mib(const data::Dataset& d) {
  return static_cast<double>(d.images.numel()) / (1024.0 * 1024.0);
}

std::map<std::string, std::string> parse_flags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0) throw std::invalid_argument("expected --flag value, got " + key);
    flags[key.substr(2)] = argv[i + 1];
  }
  return flags;
}

std::string flag(const std::map<std::string, std::string>& flags, const std::string& key,
                 const std::string& fallback = "") {
  const auto it = flags.find(key);
  return it == flags.end() ? fallback : it->second;
}

// ---- rank mode: one of 4 ranks stepping through the one sample order ------------------------

int run_rank(const std::map<std::string, std::string>& flags) {
  const fs::path pack = flag(flags, "pack");
  const std::string mode = flag(flags, "source");
  const double min_seconds = std::stod(flag(flags, "min-seconds", std::to_string(kMinSeconds)));
  const double rss_start = status_mib("VmRSS");

  const auto t_open = Clock::now();
  std::unique_ptr<data::BatchSource> source;
  if (mode == "memory")
    source = data::make_in_memory_source(data::read_pack(pack), torch::kCPU);
  else if (mode == "pack")
    source = data::make_pack_source(pack);
  else
    throw std::invalid_argument("--source must be memory or pack, got '" + mode + "'");
  const double open_s = seconds_since(t_open);

  const auto shard = data::shard_of(kGlobalBatch, kRank, kRanks);
  data::SampleOrder order(source->size(), kGlobalBatch, /*seed=*/0);
  int64_t batches = 0, checksum = 0;
  const auto t0 = Clock::now();
  while (batches < kMinBatches || seconds_since(t0) < min_seconds) {
    const int64_t epoch = batches / order.batches_per_epoch();
    const auto idx =
        order.indices(epoch, batches % order.batches_per_epoch(), shard.offset, shard.count);
    const auto images = source->images(idx, torch::kCPU);
    const auto labels = source->labels(idx, torch::kCPU);
    // Touch the batch so nothing is optimised away (and reading is really done).
    checksum += images.data_ptr<uint8_t>()[0] + labels.data_ptr<int64_t>()[0];
    ++batches;
  }
  const double loop_s = seconds_since(t0);
  // One machine-readable line for `all`; also readable by a person.
  std::printf(
      "source=%s open_s=%.4f batches=%lld batches_per_s=%.1f rows_read=%lld rss_start_mib=%.1f "
      "peak_rss_mib=%.1f anon_mib=%.1f file_mib=%.1f checksum=%lld\n",
      mode.c_str(), open_s, static_cast<long long>(batches), static_cast<double>(batches) / loop_s,
      static_cast<long long>(source->rows_read()), rss_start, status_mib("VmHWM"),
      status_mib("RssAnon"), status_mib("RssFile"), static_cast<long long>(checksum));
  return 0;
}

// ---- all: load times, then the two rank modes as child processes ----------------------------

struct LoadRow {
  std::string format, source;
  int64_t n = 0;
  std::string shape;
  double mib = 0, best_s = 0;
};

std::optional<LoadRow> time_load(const std::string& format, const std::string& source,
                                 const std::function<data::Dataset()>& load) {
  LoadRow row;
  row.format = format;
  row.source = source;
  row.best_s = 1e30;
  try {
    for (int r = 0; r < kRepeats; ++r) {
      const auto t0 = Clock::now();
      const data::Dataset d = load();
      row.best_s = std::min(row.best_s, seconds_since(t0));
      row.n = d.size();
      row.shape = fmt::format("{}x{}x{}", d.channels(), d.height(), d.width());
      row.mib = dataset_mib(d);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "skipped %s (%s): %s\n", format.c_str(), source.c_str(), e.what());
    return std::nullopt;
  }
  return row;
}

std::map<std::string, std::string> run_child(const std::string& command) {
  std::map<std::string, std::string> out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  char buffer[4096];
  std::string text;
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) text += buffer;
  if (pclose(pipe) != 0) throw std::runtime_error("failed: " + command + "\n" + text);
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return out;
}

int run_all(const std::map<std::string, std::string>& flags, const std::string& self) {
  const fs::path fashion = flag(flags, "fashion", "/usr/share/datasets/fashion-mnist");
  const fs::path mnist = flag(flags, "mnist", "../shared/data/mnist");
  const fs::path cifar = flag(flags, "cifar", "../shared/data/cifar10/cifar-10-batches-bin");
  const fs::path pack = flag(
      flags, "pack", (fs::temp_directory_path() / "ganrun-bench-fashion-mnist-train.h5").string());
  const std::string min_seconds = flag(flags, "min-seconds", std::to_string(kMinSeconds));

  // The pack of Fashion-MNIST train, written once (its write time is a figure too).
  double write_s = -1;
  {
    const data::Dataset train = data::read_idx_pair(fashion, "train");
    const auto t0 = Clock::now();
    data::write_pack(train, fashion.string(), pack);
    write_s = seconds_since(t0);
  }

  std::vector<LoadRow> rows;
  auto add = [&](std::optional<LoadRow> row) {
    if (row) rows.push_back(*row);
  };
  add(time_load("Fashion-MNIST train, IDX gz", fashion.string(),
                [&] { return data::read_idx_pair(fashion, "train"); }));
  add(time_load("MNIST test, IDX gz", mnist.string(),
                [&] { return data::read_idx_pair(mnist, "t10k"); }));
  add(time_load("CIFAR-10 subset train, bin", cifar.string(),
                [&] { return data::read_cifar10(cifar, "train"); }));
  add(time_load("Fashion-MNIST train, HDF5 pack", pack.string(),
                [&] { return data::read_pack(pack); }));
  add(time_load("  same, with sha256 verify", pack.string(),
                [&] { return data::read_pack(pack, /*verify=*/true); }));

  fmt::print("\nLoad time of each format, whole set into memory (best of {}, 1 thread)\n",
             kRepeats);
  fmt::print("{:<32} {:>7} {:>9} {:>8} {:>9} {:>8}\n", "format", "images", "CxHxW", "MiB",
             "load ms", "MiB/s");
  for (const auto& r : rows)
    fmt::print("{:<32} {:>7} {:>9} {:>8.1f} {:>9.1f} {:>8.0f}\n", r.format, r.n, r.shape, r.mib,
               r.best_s * 1e3, r.mib / r.best_s);
  fmt::print("(writing the Fashion-MNIST train pack: {:.1f} ms)\n", write_s * 1e3);

  fmt::print(
      "\nOne of {} ranks, global batch {} (this rank's slice {}), Fashion-MNIST train, 1 "
      "thread, each mode its own process\n",
      kRanks, kGlobalBatch, kGlobalBatch / kRanks);
  fmt::print("{:<28} {:>9} {:>10} {:>12} {:>11} {:>11} {:>10} {:>11}\n", "source", "open ms",
             "batches", "batches/s", "rows read", "start MiB", "peak MiB", "peak-start");
  for (const std::string mode : {"memory", "pack"}) {
    const auto r = run_child(self + " rank --pack '" + pack.string() + "' --source " + mode +
                             " --min-seconds " + min_seconds);
    const std::string label = mode == "memory" ? "whole set in memory" : "HDF5 pack on demand";
    const double start = std::stod(r.at("rss_start_mib")), peak = std::stod(r.at("peak_rss_mib"));
    fmt::print("{:<28} {:>9.1f} {:>10} {:>12.0f} {:>11} {:>11.1f} {:>10.1f} {:>11.1f}\n", label,
               std::stod(r.at("open_s")) * 1e3, r.at("batches"), std::stod(r.at("batches_per_s")),
               r.at("rows_read"), start, peak, peak - start);
  }
  if (flag(flags, "keep-pack", "0") != "1") fs::remove(pack);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  at::set_num_threads(1);  // a rank's share of a 2-core machine; loads are single-threaded
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s all [--fashion DIR] [--mnist DIR] [--cifar DIR] [--pack FILE] "
                 "[--min-seconds S] [--keep-pack 1]\n"
                 "       %s rank --pack FILE --source memory|pack [--min-seconds S]\n",
                 argv[0], argv[0]);
    return 2;
  }
  try {
    const std::string mode = argv[1];
    const auto flags = parse_flags(argc, argv, 2);
    if (mode == "rank") return run_rank(flags);
    if (mode == "all") return run_all(flags, fs::read_symlink("/proc/self/exe").string());
    std::fprintf(stderr, "unknown mode '%s' (all | rank)\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ganrun_bench_data: %s\n", e.what());
    return 1;
  }
}
