// runner/data_command.cpp — `ganrun data list|fetch|verify|pack|show`: the user's view of the
// data layer (data/fetch.h, data/verify.h, data/hdf5_pack.h, load_dataset). One process only;
// bad input is a ConfigError or DataError (exit 2, one message) like everywhere else.
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdlib>  // std::getenv
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/checksums.h"
#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "data/fetch.h"
#include "data/hdf5_pack.h"
#include "data/toy_sets.h"
#include "data/verify.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/png_grid.h"
#include "runner/subcommands.h"
#include "runner/tables.h"

namespace ganrun {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace {

constexpr const char* kDataUsage =
    "ganrun data — the data sets ganrun reads\n"
    "\n"
    "Usage:\n"
    "  ganrun data list [--data-dir D]                 known sets, where ganrun looks, found?\n"
    "  ganrun data fetch NAME [--dir D] [--mirror URL] [--split train|test]\n"
    "                    [--md5 FILE=HASH]... [--keep-archive]\n"
    "  ganrun data verify DIR [--dataset NAME]         decode every split, compare MD5s\n"
    "  ganrun data pack --dataset NAME [--data-dir D] [--split S] --out F.h5 [--force]\n"
    "  ganrun data show F.h5 | --dataset NAME [--data-dir D] [--split S]  [--png grid.png]\n"
    "\n"
    "NAME: mnist | fashion-mnist | cifar10. `ganrun data COMMAND --help` lists its options.\n";

// Where `apt-get install dataset-fashion-mnist` puts the files (as in data/dataset_loader.cpp).
constexpr const char* kDebianFashionMnist = "/usr/share/datasets/fashion-mnist";
// A folder holding one sub-folder per data set.
constexpr const char* kDataEnv = "GANRUN_DATA";
// `data show --png`: the first kGridImages images, kGridColumns to a row.
constexpr int64_t kGridImages = 64;
constexpr int64_t kGridColumns = 8;
// The image data sets (those with files); the toy sets come from data/toy_sets.h.
const std::vector<std::string> kImageSets = {"mnist", "fashion-mnist", "cifar10"};

// Class names as the publishers give them, for sources whose files carry none (IDX files).
std::vector<std::string> default_class_names(const std::string& dataset) {
  if (dataset == "fashion-mnist")
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  if (dataset == "cifar10")
    return {"airplane", "automobile", "bird",  "cat",  "deer",
            "dog",      "frog",       "horse", "ship", "truck"};
  if (dataset == "mnist") return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return {};
}

void check_image_set(const std::string& name, const char* flag) {
  if (std::find(kImageSets.begin(), kImageSets.end(), name) == kImageSets.end())
    throw ConfigError(
        fmt::format("{} '{}' is not an image data set (known: mnist, fashion-mnist, "
                    "cifar10)",
                    flag, name));
}

void check_split(const std::string& split) {
  if (split != "train" && split != "test")
    throw ConfigError(fmt::format("--split must be train or test (got '{}')", split));
}

std::string env_data() {
  const char* env = std::getenv(kDataEnv);
  return env != nullptr ? env : "";
}

// The folder load_dataset reads when no --data-dir is given, or "" when there is none.
std::string default_folder(const std::string& name) {
  if (!env_data().empty()) return (fs::path(env_data()) / name).string();
  if (name == "fashion-mnist") return kDebianFashionMnist;
  return "";
}

// A subcommand's options parsed from argv (argv[0] is the subcommand's name).
po::variables_map parse(int argc, char** argv, const po::options_description& d,
                        const po::positional_options_description& pos = {}) {
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(d).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

std::string split_summary(const std::string& name, const fs::path& dir, std::uintmax_t& bytes) {
  std::string s;
  bytes = 0;
  for (const char* split : {"train", "test"}) {
    const auto n = data::count_samples(name, dir, split);
    if (!n) continue;
    for (const auto& f : data::split_files(name, dir, split)) {
      std::error_code ec;
      const auto size = fs::file_size(f, ec);
      if (!ec) bytes += size;
    }
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", split, *n);
  }
  return s;
}

// ---- list ------------------------------------------------------------------------------------

int list_main(int argc, char** argv) {
  std::string data_dir;
  po::options_description d("ganrun data list [--data-dir D]");
  // clang-format off
  d.add_options()
      ("data-dir", po::value(&data_dir),
       "also look here: D/<name>, or D itself when it holds a set's files")
      ("help,h", "this help");
  // clang-format on
  const auto vm = parse(argc, argv, d);
  if (vm.count("help")) {
    fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  // A --data-dir holding IDX files itself counts for the set its checksums name, or for both
  // mnist-family sets when they name none.
  std::string guessed;
  if (!data_dir.empty() && fs::is_directory(data_dir)) {
    try {
      guessed = data::guess_dataset(data_dir);
    } catch (const data::DataError&) {
      guessed = "";
    }
  }
  std::vector<std::vector<std::string>> rows = {{"data set", "kind", "where", "folder", "status"}};
  for (const auto& name : kImageSets) {
    std::vector<std::pair<std::string, std::string>> places;  // (where, folder)
    if (!data_dir.empty()) {
      places.emplace_back("--data-dir/" + name, (fs::path(data_dir) / name).string());
      places.emplace_back("--data-dir", data_dir);
    }
    places.emplace_back("$" + std::string(kDataEnv) + "/" + name,
                        env_data().empty() ? "" : (fs::path(env_data()) / name).string());
    if (name == "fashion-mnist") places.emplace_back("Debian package", kDebianFashionMnist);
    for (const auto& [where, folder] : places) {
      std::string status;
      if (folder.empty()) {
        status = fmt::format("{} not set", kDataEnv);
      } else if (!fs::is_directory(folder)) {
        status = "not found";
      } else {
        std::uintmax_t bytes = 0;
        const std::string splits = split_summary(name, folder, bytes);
        const bool itself = where == "--data-dir";
        const bool mine = !itself || guessed.empty() || guessed == name;
        if (splits.empty() || !mine)
          status = fmt::format("not found (folder holds no {} files)", name);
        else
          status = fmt::format("found: {} samples, {} bytes", splits, bytes);
      }
      if (where == "--data-dir" && status.rfind("not found", 0) == 0) continue;
      rows.push_back({name, "download", where, folder.empty() ? "-" : folder, status});
    }
  }
  for (const auto& name : data::toy_set_names()) {
    const bool file = name == "toy-file";
    rows.push_back({name, file ? "file" : "generated", "-", "-",
                    file ? "points from a CSV or .mat file" : "generated in code (no files)"});
  }
  fmt::print("{}", format_table(rows));
  fmt::print(
      "\nganrun train and ganrun data pack read --data-dir when given, else ${}/<name>, else "
      "(fashion-mnist) {}.\nFetch a missing set with: ganrun data fetch NAME --dir D\n",
      kDataEnv, kDebianFashionMnist);
  return kExitOk;
}

// ---- fetch -----------------------------------------------------------------------------------

bool is_md5_hex(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

int fetch_main(int argc, char** argv) {
  std::string name, dir, split;
  std::vector<std::string> md5s;
  data::FetchOptions options;
  po::options_description d(
      "ganrun data fetch NAME [--dir D] [--mirror URL] [--split train|test] [--md5 FILE=HASH]");
  // clang-format off
  d.add_options()
      ("name", po::value(&name), "mnist | fashion-mnist | cifar10")
      ("dir", po::value(&dir), "folder to fetch into (default: $GANRUN_DATA/<name>)")
      ("mirror", po::value(&options.mirror),
       "base URL (or local folder) serving the same file names, instead of the publisher's")
      ("split", po::value(&split),
       "fetch only this split's files: train | test (mnist, fashion-mnist)")
      ("md5", po::value(&md5s)->composing(),
       "FILE=HASH: expect this MD5 for FILE instead of the published one (a mirror's own copy)")
      ("keep-archive", "cifar10: keep cifar-10-binary.tar.gz after unpacking it")
      ("help,h", "this help");
  // clang-format on
  po::positional_options_description pos;
  pos.add("name", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (vm.count("help")) {
    fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (name.empty())
    throw ConfigError("data fetch: give the data set (mnist, fashion-mnist, cifar10)");
  if (data::find_published(name) == nullptr)
    throw ConfigError(
        fmt::format("data fetch: '{}' has no published files (fetch knows mnist, fashion-mnist, "
                    "cifar10; toy sets are generated)",
                    name));
  if (!split.empty()) {
    check_split(split);
    if (name == "cifar10")
      throw ConfigError("--split: cifar10 comes as one archive holding both splits; drop --split");
  }
  options.split = split;
  for (const auto& item : md5s) {
    const auto eq = item.find('=');
    const std::string file = item.substr(0, eq);
    const std::string hash = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == std::string::npos || !is_md5_hex(hash))
      throw ConfigError(
          fmt::format("--md5 '{}': expected FILE=HASH with a 32-digit lower-case "
                      "hex MD5",
                      item));
    if (data::find_published_file(name, file) == nullptr) {
      std::string files;
      for (const auto& f : data::find_published(name)->files)
        files += (files.empty() ? "" : ", ") + f.name;
      throw ConfigError(
          fmt::format("--md5 '{}': {} has no file '{}' (its files: {})", item, name, file, files));
    }
    options.md5_override[file] = hash;
  }
  options.keep_archive = vm.count("keep-archive") > 0;
  if (dir.empty()) {
    if (env_data().empty())
      throw ConfigError(fmt::format(
          "data fetch: give --dir D (the folder to fetch into), or set {} to a folder that "
          "gets a '{}' sub-folder",
          kDataEnv, name));
    dir = (fs::path(env_data()) / name).string();
  }
  options.log = [](const std::string& line) { fmt::print("{}\n", line); };
  const auto fetched = data::fetch_dataset(name, dir, options);
  int downloaded = 0, resumed = 0, present = 0;
  for (const auto& f : fetched) {
    if (f.url.empty()) continue;  // an unpacked archive member
    (f.outcome == data::FetchOutcome::kDownloaded ? downloaded
     : f.outcome == data::FetchOutcome::kResumed  ? resumed
                                                  : present)++;
  }
  fmt::print("{} in {}: {} downloaded, {} resumed, {} already present\n", name, dir, downloaded,
             resumed, present);
  fmt::print("train with: ganrun train --dataset {} --data-dir {}{}\n", name, dir,
             split == "test" ? " --split test" : "");
  return kExitOk;
}

// ---- verify ----------------------------------------------------------------------------------

int verify_main(int argc, char** argv) {
  std::string dir, name;
  po::options_description d("ganrun data verify DIR [--dataset NAME]");
  // clang-format off
  d.add_options()
      ("dir", po::value(&dir), "the data set's folder")
      ("dataset", po::value(&name),
       "mnist | fashion-mnist | cifar10 (default: guessed from the files and their MD5s)")
      ("help,h", "this help");
  // clang-format on
  po::positional_options_description pos;
  pos.add("dir", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (vm.count("help")) {
    fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (dir.empty()) throw ConfigError("data verify: give the folder to verify");
  if (!name.empty()) check_image_set(name, "--dataset");
  if (!fs::is_directory(dir)) throw data::DataError(fmt::format("data folder '{}' not found", dir));
  if (name.empty()) name = data::guess_dataset(dir);
  const auto report = data::verify_dataset(name, dir);
  for (const auto& s : report.splits)
    fmt::print("{} {}: {} images of {}x{}x{} decoded\n", name, s.split, s.samples, s.channels,
               s.height, s.width);
  std::vector<std::vector<std::string>> rows = {{"file", "bytes", "md5", "checksum"}};
  for (const auto& f : report.files)
    rows.push_back({f.path.string(), std::to_string(f.bytes), f.md5, data::to_string(f.status)});
  fmt::print("{}", format_table(rows));
  for (const auto& w : report.warnings) fmt::print(stderr, "warning: {}\n", w);
  fmt::print("{} in {}: OK ({} files, {} warnings)\n", name, dir, report.files.size(),
             report.warnings.size());
  return kExitOk;
}

// ---- pack ------------------------------------------------------------------------------------

void check_writable_target(const fs::path& out, bool force, const char* flag) {
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(parent))
    throw ConfigError(fmt::format("{} {}: folder '{}' does not exist (create it first)", flag,
                                  out.string(), parent.string()));
  if (fs::exists(out) && !force)
    throw ConfigError(
        fmt::format("{} {}: file exists; pass --force to replace it", flag, out.string()));
}

int pack_main(int argc, char** argv) {
  std::string name, data_dir, split = "train", out;
  po::options_description d(
      "ganrun data pack --dataset NAME [--data-dir D] [--split train|test] --out F.h5");
  // clang-format off
  d.add_options()
      ("dataset", po::value(&name), "mnist | fashion-mnist | cifar10")
      ("data-dir", po::value(&data_dir),
       "the set's folder (default: $GANRUN_DATA/<name>, or Debian's for fashion-mnist)")
      ("split", po::value(&split)->default_value(split), "train | test")
      ("out", po::value(&out), "the pack to write (HDF5)")
      ("force", "replace an existing pack")
      ("help,h", "this help");
  // clang-format on
  const auto vm = parse(argc, argv, d);
  if (vm.count("help")) {
    fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (name.empty()) throw ConfigError("data pack: give --dataset NAME");
  check_image_set(name, "--dataset");
  check_split(split);
  if (out.empty()) throw ConfigError("data pack: give --out F.h5");
  check_writable_target(out, vm.count("force") > 0, "--out");
  data::Dataset ds = data::load_dataset(name, data_dir, split);
  if (ds.class_names.empty()) ds.class_names = default_class_names(name);
  const std::string folder = data_dir.empty() ? default_folder(name) : data_dir;
  const std::string source = fs::absolute(folder).lexically_normal().string();
  data::write_pack(ds, source, out);
  fmt::print("packed {} {} from {}: {} images of {}x{}x{} -> {} ({} bytes)\n", name, split, source,
             ds.size(), ds.channels(), ds.height(), ds.width(), out, fs::file_size(out));
  return kExitOk;
}

// ---- show ------------------------------------------------------------------------------------

int show_main(int argc, char** argv) {
  std::string file, name, data_dir, split = "train", png;
  po::options_description d(
      "ganrun data show F.h5 | --dataset NAME [--data-dir D] [--split S]  [--png grid.png]");
  // clang-format off
  d.add_options()
      ("pack", po::value(&file), "a pack written by ganrun data pack")
      ("dataset", po::value(&name), "instead of a pack: mnist | fashion-mnist | cifar10")
      ("data-dir", po::value(&data_dir), "with --dataset: the set's folder")
      ("split", po::value(&split)->default_value(split), "with --dataset: train | test")
      ("png", po::value(&png), "write a grid of the first 64 images to this PNG")
      ("help,h", "this help");
  // clang-format on
  po::positional_options_description pos;
  pos.add("pack", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (vm.count("help")) {
    fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (file.empty() == name.empty())
    throw ConfigError("data show: give a pack file or --dataset NAME (one of the two)");
  if (!png.empty()) check_writable_target(png, true, "--png");
  data::Dataset ds;
  std::string origin;
  if (!file.empty()) {
    if (!fs::is_regular_file(file)) throw data::DataError(fmt::format("pack '{}' not found", file));
    data::PackInfo info;
    try {
      info = data::read_pack_info(file);
      ds = data::read_pack(file, /*verify=*/true);  // an inspection: recheck the checksums
    } catch (const data::DataError&) {
      throw;
    } catch (const std::runtime_error& e) {  // HDF5's own failure: not an HDF5 file at all
      throw data::DataError(fmt::format("{}: not a readable ganrun pack ({})", file, e.what()));
    }
    if (ds.name.empty()) ds.name = info.dataset;
    if (ds.split.empty()) ds.split = info.split;
    if (ds.class_names.empty()) ds.class_names = info.class_names;
    origin = fmt::format("{} (pack of {}, checksums OK)", file, info.source);
  } else {
    check_image_set(name, "--dataset");
    check_split(split);
    ds = data::load_dataset(name, data_dir, split);
    origin = data_dir.empty() ? default_folder(name) : data_dir;
  }
  if (ds.class_names.empty()) ds.class_names = default_class_names(ds.name);
  fmt::print("{} {}: {} images of {}x{}x{} uint8, from {}\n", ds.name, ds.split, ds.size(),
             ds.channels(), ds.height(), ds.width(), origin);

  const auto labels = ds.labels.contiguous();
  const auto* l = labels.data_ptr<int64_t>();
  std::map<int64_t, int64_t> counts;
  for (int64_t i = 0; i < labels.numel(); ++i) ++counts[l[i]];
  const int64_t classes = std::max<int64_t>(static_cast<int64_t>(ds.class_names.size()),
                                            counts.empty() ? 0 : counts.rbegin()->first + 1);
  std::vector<std::vector<std::string>> rows = {{"class", "name", "count"}};
  for (int64_t c = 0; c < classes; ++c) {
    const std::string label_name =
        c < static_cast<int64_t>(ds.class_names.size()) ? ds.class_names[c] : "-";
    rows.push_back({std::to_string(c), label_name, std::to_string(counts[c])});
  }
  for (const auto& [label, count] : counts)
    if (label < 0) rows.push_back({std::to_string(label), "(invalid)", std::to_string(count)});
  rows.push_back({"total", "", std::to_string(labels.numel())});
  fmt::print("{}", format_table(rows));

  if (!png.empty()) {
    const int64_t n = std::min<int64_t>(kGridImages, ds.size());
    const auto first = ds.images.slice(0, 0, n).contiguous();
    const auto* p = first.data_ptr<uint8_t>();
    write_png_grid(png, std::vector<uint8_t>(p, p + first.numel()), n, ds.channels(), ds.height(),
                   ds.width(), kGridColumns);
    fmt::print("wrote the first {} images to {}\n", n, png);
  }
  return kExitOk;
}

}  // namespace

int data_main(int argc, char** argv, launch::MpiSession& mpi) {
  const std::string sub = argc > 1 ? argv[1] : "";
  if (sub == "--help" || sub == "-h" || sub == "help") {
    if (mpi.is_root()) fmt::print("{}", kDataUsage);
    return kExitOk;
  }
  if (mpi.size() > 1)
    throw ConfigError("data commands run as one process; run them without mpirun");
  try {
    if (sub == "list") return list_main(argc - 1, argv + 1);
    if (sub == "fetch") return fetch_main(argc - 1, argv + 1);
    if (sub == "verify") return verify_main(argc - 1, argv + 1);
    if (sub == "pack") return pack_main(argc - 1, argv + 1);
    if (sub == "show") return show_main(argc - 1, argv + 1);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(e.what());  // the data layer's own argument checks: still bad input
  } catch (const fs::filesystem_error& e) {
    throw data::DataError(e.what());  // names the path (unwritable --dir, missing folder, ...)
  }
  if (sub.empty())
    throw ConfigError(
        "data: give a command: list, fetch, verify, pack or show (ganrun data --help)");
  throw ConfigError(
      fmt::format("unknown data command '{}' (known: list, fetch, verify, pack, show)", sub));
}

}  // namespace ganrun
