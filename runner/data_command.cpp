// runner/data_command.cpp — `ganrun data`: the dispatch, the usage text, the helpers its
// subcommands share (data_command.h), and `list`, `fetch`, `verify` (`pack` and `show`:
// data_pack_command.cpp). The command-line layer only: what each data set is, where it lives
// and what it publishes come from data/dataset_catalog.h. One process only; bad input is a
// ConfigError or DataError (exit 2, one message) like everywhere else.
#include "runner/data_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed

#include <algorithm>
#include <boost/program_options.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/build_components.h"  // GANRUN_WITH_FETCH
#include "data/data_error.h"
#include "data/dataset_catalog.h"
#include "data/dataset_loader.h"
#include "data/fetch.h"
#include "data/verify.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/subcommands.h"
#include "runner/tables.h"

namespace ganrun {
namespace fs = std::filesystem;

namespace data_cli {

std::string image_choices() {
  std::string s;
  for (const auto& n : data::known_dataset_names()) s += (s.empty() ? "" : " | ") + n;
  return s;
}

std::string default_folders() {
  std::string s = fmt::format("${}/<name>", data::kDataEnv);
  for (const auto& set : data::dataset_catalog())
    if (!set.package_folder.empty())
      s += fmt::format(", else ({}) {}", set.name, set.package_folder);
  return s;
}

void check_image_set(const std::string& name, const char* flag) {
  const auto& names = data::known_dataset_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw ConfigError(fmt::format("{} '{}' is not an image data set (known: {})", flag, name,
                                  data::join_names(names)));
}

void check_split(const std::string& split) {
  if (split != "train" && split != "test")
    throw ConfigError(fmt::format("--split must be train or test (got '{}')", split));
}

std::optional<po::variables_map> parse(int argc, char** argv, po::options_description& d,
                                       const po::positional_options_description& pos) {
  d.add_options()("help,h", "this help");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(d).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") == 0) return vm;
  fmt::print("{}", fmt::streamed(d));
  return std::nullopt;
}

}  // namespace data_cli

namespace {

using namespace data_cli;

std::string data_usage() {
  return fmt::format(
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
      "NAME: {}. `ganrun data COMMAND --help` lists its options.\n",
      image_choices());
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
       "also look here: D/<name>, or D itself when it holds a set's files");
  // clang-format on
  const auto vm = parse(argc, argv, d);
  if (!vm) return kExitOk;
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
  for (const auto& set : data::dataset_catalog()) {
    if (set.kind != data::DatasetKind::kImages) {
      const bool file = set.kind == data::DatasetKind::kToyFile;
      rows.push_back({set.name, file ? "file" : "generated", "-", "-", set.files_hint});
      continue;
    }
    const std::string& name = set.name;
    std::vector<std::pair<std::string, std::string>> places;  // (where, folder)
    if (!data_dir.empty()) {
      places.emplace_back("--data-dir/" + name, (fs::path(data_dir) / name).string());
      places.emplace_back("--data-dir", data_dir);
    }
    places.emplace_back(fmt::format("${}/{}", data::kDataEnv, name),
                        data::env_data_dir(name).string());
    if (!set.package_folder.empty()) places.emplace_back(set.package, set.package_folder);
    for (const auto& [where, folder] : places) {
      std::string status;
      if (folder.empty()) {
        status = fmt::format("{} not set", data::kDataEnv);
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
  fmt::print("{}", format_table(rows));
  fmt::print(
      "\nganrun train and ganrun data pack read --data-dir when given, else {}.\n"
      "{}\n",
      default_folders(),
      build::kFetch.built ? "Fetch a missing set with: ganrun data fetch NAME --dir D"
                          : "This ganrun was built without 'ganrun data fetch': download a "
                            "missing set's files yourself and check them with ganrun data verify");
  return kExitOk;
}

// ---- fetch -----------------------------------------------------------------------------------

bool is_md5_hex(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The sets a publisher serves files for, "a, b, c".
std::string published_names() {
  return data::join_names(
      data::dataset_names_if([](const data::DatasetEntry& set) { return !set.files.empty(); }));
}

// --md5 FILE=HASH items as the override map, each checked against the set's files.
std::map<std::string, std::string> md5_overrides(const data::DatasetEntry& set,
                                                 const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    const std::string file = item.substr(0, eq);
    const std::string hash = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == std::string::npos || !is_md5_hex(hash))
      throw ConfigError(
          fmt::format("--md5 '{}': expected FILE=HASH with a 32-digit lower-case hex MD5", item));
    if (data::find_published_file(set.name, file) == nullptr) {
      std::vector<std::string> files;
      for (const auto& f : set.files) files.push_back(f.name);
      throw ConfigError(fmt::format("--md5 '{}': {} has no file '{}' (its files: {})", item,
                                    set.name, file, data::join_names(files)));
    }
    out[file] = hash;
  }
  return out;
}

int fetch_main(int argc, char** argv) {
  std::string name, dir, split;
  std::vector<std::string> md5s;
  data::FetchOptions options;
  po::options_description d(
      "ganrun data fetch NAME [--dir D] [--mirror URL] [--split train|test] [--md5 FILE=HASH]");
  const std::string sets = image_choices();
  // clang-format off
  d.add_options()
      ("name", po::value(&name), sets.c_str())
      ("dir", po::value(&dir), "folder to fetch into (default: $GANRUN_DATA/<name>)")
      ("mirror", po::value(&options.mirror),
       "base URL (or local folder) serving the same file names, instead of the publisher's")
      ("split", po::value(&split),
       "fetch only this split's files: train | test (sets served as one file per split)")
      ("md5", po::value(&md5s)->composing(),
       "FILE=HASH: expect this MD5 for FILE instead of the published one (a mirror's own copy)")
      ("keep-archive", "cifar10: keep cifar-10-binary.tar.gz after unpacking it");
  // clang-format on
  po::positional_options_description pos;
  pos.add("name", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (!vm) return kExitOk;
  if (!build::kFetch.built)
    throw ConfigError(build::built_without_message(build::kFetch, "ganrun data fetch") +
                      " Or download the published files yourself (README, Data: where each set "
                      "is published) and check them with: ganrun data verify DIR");
  if (name.empty())
    throw ConfigError(fmt::format("data fetch: give the data set ({})", published_names()));
  const data::DatasetEntry* set = data::find_published(name);
  if (set == nullptr)
    throw ConfigError(
        fmt::format("data fetch: '{}' has no published files (fetch knows {}; toy sets are "
                    "generated)",
                    name, published_names()));
  if (!split.empty()) {
    check_split(split);
    if (set->layout == data::FileLayout::kCifar10Binary)
      throw ConfigError(
          fmt::format("--split: {} comes as one archive holding both splits; drop --split", name));
  }
  options.split = split;
  options.md5_override = md5_overrides(*set, md5s);
  options.keep_archive = vm->count("keep-archive") > 0;
  if (dir.empty()) {
    dir = data::env_data_dir(name).string();
    if (dir.empty())
      throw ConfigError(fmt::format(
          "data fetch: give --dir D (the folder to fetch into), or set {} to a folder that "
          "gets a '{}' sub-folder",
          data::kDataEnv, name));
  }
  options.log = [](const std::string& line) { fmt::print("{}\n", line); };
#if GANRUN_WITH_FETCH
  const auto fetched = data::fetch_dataset(name, dir, options);
#else
  const std::vector<data::FetchedFile> fetched;  // refused above: fetch.cpp is not built
#endif
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
  const std::string sets = image_choices() + " (default: guessed from the files and their MD5s)";
  // clang-format off
  d.add_options()
      ("dir", po::value(&dir), "the data set's folder")
      ("dataset", po::value(&name), sets.c_str());
  // clang-format on
  po::positional_options_description pos;
  pos.add("dir", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (!vm) return kExitOk;
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

}  // namespace

int data_main(int argc, char** argv, launch::MpiSession& mpi) {
  const std::string sub = argc > 1 ? argv[1] : "";
  if (sub == "--help" || sub == "-h" || sub == "help") {
    if (mpi.is_root()) fmt::print("{}", data_usage());
    return kExitOk;
  }
  if (mpi.size() > 1)
    throw ConfigError("data commands run as one process; run them without mpirun");
  try {
    if (sub == "list") return list_main(argc - 1, argv + 1);
    if (sub == "fetch") return fetch_main(argc - 1, argv + 1);
    if (sub == "verify") return verify_main(argc - 1, argv + 1);
    if (sub == "pack") return data_cli::pack_main(argc - 1, argv + 1);
    if (sub == "show") return data_cli::show_main(argc - 1, argv + 1);
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
