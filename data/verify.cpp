// data/verify.cpp — verify_dataset, guess_dataset and the header-only sample counts used by
// `ganrun data verify` and `ganrun data list`. Decoding is left to load_dataset so a folder that
// verifies is a folder that trains.
#include "data/verify.h"

#include <zlib.h>  // gzopen, gzread: IDX headers of gzip or raw files (gzread passes raw through)

#include <array>
#include <stdexcept>

#include "common/digest.h"      // file_digest_hex
#include "data/cifar_reader.h"  // cifar10_batches_dir
#include "data/data_error.h"
#include "data/dataset_catalog.h"
#include "data/dataset_loader.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kCifarRecordBytes = 1 + 3072;   // label byte + 32x32x3 pixels
constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension
constexpr uint32_t kIdxImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions

// The file layout of an image set; kNone for any other name.
FileLayout layout_of(const std::string& name) {
  const DatasetEntry* e = find_dataset(name);
  return e != nullptr ? e->layout : FileLayout::kNone;
}

std::string idx_prefix(const std::string& split) { return split == "train" ? "train" : "t10k"; }

// The IDX files of a split that exist, labels last: "<prefix>-images-idx3-ubyte[.gz]" first.
std::vector<fs::path> idx_files(const fs::path& dir, const std::string& split) {
  std::vector<fs::path> out;
  const std::string prefix = idx_prefix(split);
  for (const char* kind : {"-images-idx3-ubyte", "-labels-idx1-ubyte"}) {
    for (const char* ext : {".gz", ""}) {
      const fs::path p = dir / (prefix + kind + ext);
      if (fs::is_regular_file(p)) {
        out.push_back(p);
        break;
      }
    }
  }
  return out;
}

std::vector<fs::path> cifar_files(const fs::path& batches, const std::string& split) {
  std::vector<fs::path> out;
  if (split == "test") {
    if (fs::is_regular_file(batches / "test_batch.bin")) out.push_back(batches / "test_batch.bin");
    return out;
  }
  for (int k = 1; k <= 5; ++k) {
    const fs::path p = batches / ("data_batch_" + std::to_string(k) + ".bin");
    if (fs::is_regular_file(p)) out.push_back(p);
  }
  return out;
}

// (magic, count) of an IDX file's header, or nullopt when it cannot be read.
std::optional<std::pair<uint32_t, uint32_t>> idx_header(const fs::path& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::array<unsigned char, 8> h{};
  const int n = gzread(f, h.data(), static_cast<unsigned>(h.size()));
  gzclose(f);
  if (n != static_cast<int>(h.size())) return std::nullopt;
  auto be32 = [&](int at) {
    return (uint32_t{h[at]} << 24) | (uint32_t{h[at + 1]} << 16) | (uint32_t{h[at + 2]} << 8) |
           uint32_t{h[at + 3]};
  };
  return std::make_pair(be32(0), be32(4));
}

}  // namespace

std::string md5_file(const fs::path& path) {
  try {
    return file_digest_hex(DigestKind::kMd5, path);
  } catch (const std::runtime_error& e) {
    throw DataError(e.what());  // names the file and the cause
  }
}

const char* to_string(ChecksumStatus status) {
  static constexpr const char* kNames[] = {"published MD5", "no published MD5",
                                           "MD5 differs"};  // enum order
  return kNames[static_cast<int>(status)];
}

std::vector<fs::path> split_files(const std::string& name, const fs::path& dir,
                                  const std::string& split) {
  switch (layout_of(name)) {
    case FileLayout::kIdx:
      return idx_files(dir, split);
    case FileLayout::kCifar10Binary:
      return cifar_files(cifar10_batches_dir(dir), split);
    case FileLayout::kNone:
      break;
  }
  return {};
}

std::optional<int64_t> count_samples(const std::string& name, const fs::path& dir,
                                     const std::string& split) {
  const auto files = split_files(name, dir, split);
  if (files.empty()) return std::nullopt;
  if (layout_of(name) == FileLayout::kCifar10Binary) {
    int64_t n = 0;
    for (const auto& f : files) {
      std::error_code ec;
      const auto bytes = fs::file_size(f, ec);
      if (ec) return std::nullopt;
      n += static_cast<int64_t>(bytes) / kCifarRecordBytes;
    }
    return n;
  }
  // Labels are the cheaper header to trust (the last file idx_files lists when present).
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    const auto h = idx_header(*it);
    if (h && (h->first == kIdxLabelsMagic || h->first == kIdxImagesMagic))
      return static_cast<int64_t>(h->second);
  }
  return std::nullopt;
}

std::string guess_dataset(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw DataError("data folder '" + dir.string() + "' not found");
  auto with_layout = [](FileLayout layout) {
    return dataset_names_if([layout](const DatasetEntry& e) { return e.layout == layout; });
  };
  const fs::path batches = cifar10_batches_dir(dir);
  if (!cifar_files(batches, "train").empty() || !cifar_files(batches, "test").empty())
    return with_layout(FileLayout::kCifar10Binary).at(0);
  const std::vector<std::string> idx_sets = with_layout(FileLayout::kIdx);  // the candidates
  bool any_idx = false;
  for (const char* split : {"train", "test"}) {
    for (const auto& f : idx_files(dir, split)) {
      any_idx = true;
      const std::string md5 = md5_file(f);
      for (const auto& candidate : idx_sets) {
        const auto* pub = find_published_file(candidate, f.filename().string());
        if (pub != nullptr && pub->md5 == md5) return candidate;
      }
    }
  }
  if (any_idx) {
    std::string flags;
    for (const auto& n : idx_sets) flags += (flags.empty() ? "--dataset " : " or --dataset ") + n;
    throw DataError(dir.string() + ": IDX files whose MD5s match no published " +
                    join_names(idx_sets) + " file; say which set they are with " + flags);
  }
  throw DataError(dir.string() +
                  ": no data set files here (looked for train-/t10k- IDX files and CIFAR-10 "
                  "*.bin batches)");
}

VerifyReport verify_dataset(const std::string& name, const fs::path& dir) {
  const FileLayout layout = layout_of(name);
  if (layout == FileLayout::kNone)
    throw std::invalid_argument("cannot verify data set '" + name + "' (verify knows " +
                                join_names(known_dataset_names()) + ")");
  const bool cifar = layout == FileLayout::kCifar10Binary;
  if (!fs::is_directory(dir)) throw DataError("data folder '" + dir.string() + "' not found");
  VerifyReport report;
  report.dataset = name;
  report.dir = dir;
  // The folder the reader is given: CIFAR's batches may sit one level down.
  const fs::path read_dir = cifar ? cifar10_batches_dir(dir) : dir;
  std::vector<fs::path> files;
  for (const char* split : {"train", "test"}) {
    const auto present = split_files(name, dir, split);
    if (present.empty()) continue;
    // Decoding is the real check: any fault is a DataError naming the file.
    const Dataset ds = load_dataset(name, read_dir.string(), split);
    report.splits.push_back({split, ds.size(), ds.channels(), ds.height(), ds.width()});
    files.insert(files.end(), present.begin(), present.end());
  }
  if (cifar) {
    // The archive, when kept, is the one CIFAR-10 file with a published MD5.
    for (const auto& f : find_dataset(name)->files)
      if (fs::is_regular_file(dir / f.name)) files.push_back(dir / f.name);
    if (fs::is_regular_file(read_dir / "batches.meta.txt"))
      files.push_back(read_dir / "batches.meta.txt");
  }
  if (report.splits.empty()) {
    throw DataError("no " + name + " files in " + dir.string() + " (looked for " +
                    (cifar ? std::string("data_batch_<k>.bin and test_batch.bin")
                           : std::string("train-*/t10k-* IDX files")) +
                    ")");
  }
  for (const auto& f : files) {
    VerifiedFile v;
    v.path = f;
    v.bytes = fs::file_size(f);
    v.md5 = md5_file(f);
    if (const auto* pub = find_published_file(name, f.filename().string())) {
      v.published_md5 = pub->md5;
      v.status = pub->md5 == v.md5 ? ChecksumStatus::kKnown : ChecksumStatus::kMismatch;
    }
    if (v.status == ChecksumStatus::kMismatch && cifar) {
      report.warnings.push_back(f.string() + ": MD5 " + v.md5 + " differs from the published " +
                                v.published_md5 +
                                "; training reads the unpacked batches, which decode correctly");
    } else if (v.status == ChecksumStatus::kMismatch) {
      report.warnings.push_back(
          f.string() + ": MD5 " + v.md5 + " differs from the published " + v.published_md5 +
          ", but the file decodes correctly (re-compressed copies, such as Debian's "
          "dataset-fashion-mnist, have other MD5s for the same content)");
    }
    report.files.push_back(std::move(v));
  }
  return report;
}

}  // namespace ganrun::data
