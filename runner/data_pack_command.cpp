// runner/data_pack_command.cpp — `ganrun data pack` (a data set's split into one HDF5 pack) and
// `ganrun data show` (a pack's or a folder's header, class histogram and, with --png, a grid of
// its first images). The command-line layer only: reading and writing are data/'s.
#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/data_error.h"
#include "data/dataset_catalog.h"
#include "data/dataset_loader.h"
#include "data/hdf5_pack.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/data_command.h"
#include "runner/png_grid.h"
#include "runner/tables.h"

namespace ganrun::data_cli {
namespace {

namespace fs = std::filesystem;

// `data show --png`: the first kGridImages images, kGridColumns to a row.
constexpr int64_t kGridImages = 64;
constexpr int64_t kGridColumns = 8;

// The publisher's class names where the source carries none (IDX files, or a pack of them).
void default_class_names(data::Dataset& ds) {
  const data::DatasetEntry* set = data::find_dataset(ds.name);
  if (ds.class_names.empty() && set != nullptr) ds.class_names = set->class_names;
}

void check_writable_target(const fs::path& out, bool force, const char* flag) {
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  if (!fs::is_directory(parent))
    throw ConfigError(fmt::format("{} {}: folder '{}' does not exist (create it first)", flag,
                                  out.string(), parent.string()));
  if (fs::exists(out) && !force)
    throw ConfigError(
        fmt::format("{} {}: file exists; pass --force to replace it", flag, out.string()));
}

}  // namespace

int pack_main(int argc, char** argv) {
  std::string name, data_dir, split = "train", out;
  po::options_description d(
      "ganrun data pack --dataset NAME [--data-dir D] [--split train|test] --out F.h5");
  const std::string sets = image_choices();
  const std::string folder_help = "the set's folder (default: " + default_folders() + ")";
  // clang-format off
  d.add_options()
      ("dataset", po::value(&name), sets.c_str())
      ("data-dir", po::value(&data_dir), folder_help.c_str())
      ("split", po::value(&split)->default_value(split), "train | test")
      ("out", po::value(&out), "the pack to write (HDF5)")
      ("force", "replace an existing pack");
  // clang-format on
  const auto vm = parse(argc, argv, d);
  if (!vm) return kExitOk;
  if (name.empty()) throw ConfigError("data pack: give --dataset NAME");
  check_image_set(name, "--dataset");
  check_split(split);
  if (out.empty()) throw ConfigError("data pack: give --out F.h5");
  check_writable_target(out, vm->count("force") > 0, "--out");
  data::Dataset ds = data::load_dataset(name, data_dir, split);
  default_class_names(ds);
  const fs::path folder = data::resolve_data_dir(name, data_dir);  // where load_dataset read
  const std::string source = fs::absolute(folder).lexically_normal().string();
  data::write_pack(ds, source, out);
  fmt::print("packed {} {} from {}: {} images of {}x{}x{} -> {} ({} bytes)\n", name, split, source,
             ds.size(), ds.channels(), ds.height(), ds.width(), out, fs::file_size(out));
  return kExitOk;
}

int show_main(int argc, char** argv) {
  std::string file, name, data_dir, split = "train", png;
  po::options_description d(
      "ganrun data show F.h5 | --dataset NAME [--data-dir D] [--split S]  [--png grid.png]");
  const std::string sets = "instead of a pack: " + image_choices();
  // clang-format off
  d.add_options()
      ("pack", po::value(&file), "a pack written by ganrun data pack")
      ("dataset", po::value(&name), sets.c_str())
      ("data-dir", po::value(&data_dir), "with --dataset: the set's folder")
      ("split", po::value(&split)->default_value(split), "with --dataset: train | test")
      ("png", po::value(&png), "write a grid of the first 64 images to this PNG");
  // clang-format on
  po::positional_options_description pos;
  pos.add("pack", 1);
  const auto vm = parse(argc, argv, d, pos);
  if (!vm) return kExitOk;
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
    origin = data::resolve_data_dir(name, data_dir).string();
  }
  default_class_names(ds);
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

}  // namespace ganrun::data_cli
