// data/pack_row_reader.cpp — PackRowReader (see header): the chunk-cache choice, the plan of
// distinct sorted rows for a request, one H5Dread per contiguous run, and the copy back into
// the requested order.
#include "data/pack_row_reader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <array>
#include <cstring>  // std::memcpy
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "data/pack_open.h"

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

// The chunk cache, used for compressed packs only (see PackRowReader's constructor): a few
// chunks, since a sorted batch visits each chunk once; a prime number of hash slots well above
// the chunk count; HDF5's default preemption weight.
constexpr size_t kCacheChunks = 4;
constexpr size_t kCacheSlots = 1009;
constexpr double kCacheW0 = 0.75;

// Reads rows `sorted` (ascending, distinct) of a dataset whose rows are `row_dims` (element
// size `elem_bytes`) into `buf`, in that order: one H5Dread per contiguous run of rows. A
// single H5Dread over the union (H5S_SELECT_OR) of the runs is 50x slower in HDF5 1.10 (13 ms
// against 0.25 ms for 64 random CIFAR-10 rows): building and walking the union dominates.
void read_rows(hid_t ds, hid_t mem_type, size_t elem_bytes, const std::vector<int64_t>& sorted,
               const std::vector<hsize_t>& row_dims, void* buf, const fs::path& path) {
  if (sorted.empty()) return;
  const size_t rank = row_dims.size() + 1;
  size_t row_bytes = elem_bytes;
  for (hsize_t d : row_dims) row_bytes *= d;
  Hid fspace(H5CALL(H5Dget_space(ds), path), H5Sclose);
  std::vector<hsize_t> start(rank, 0), count(rank);
  std::copy(row_dims.begin(), row_dims.end(), count.begin() + 1);
  auto* out = static_cast<unsigned char*>(buf);
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[j - 1] + 1) ++j;
    start[0] = static_cast<hsize_t>(sorted[i]);
    count[0] = static_cast<hsize_t>(j - i);
    H5CALL(
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        path);
    Hid mspace(H5CALL(H5Screate_simple(static_cast<int>(rank), count.data(), nullptr), path),
               H5Sclose);
    H5CALL(H5Dread(ds, mem_type, mspace, fspace, H5P_DEFAULT, out + i * row_bytes), path);
    i = j;
  }
}

// Distinct rows in ascending order, and for each requested index its position among them.
struct RowPlan {
  std::vector<int64_t> sorted;
  std::vector<int64_t> positions;  // [k]
  bool identity = false;           // the request was already sorted and distinct
};

RowPlan plan_rows(const torch::Tensor& indices, int64_t n, const fs::path& path) {
  if (indices.dim() != 1 || !c10::isIntegralType(indices.scalar_type(), /*includeBool=*/false)) {
    throw std::invalid_argument("PackRowReader: indices must be a 1-D integer tensor");
  }
  const torch::Tensor idx = indices.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  const int64_t k = idx.numel();
  RowPlan plan;
  plan.sorted.assign(p, p + k);
  for (int64_t v : plan.sorted) {
    if (v < 0 || v >= n) {
      throw std::out_of_range("PackRowReader: row " + std::to_string(v) + " outside [0, " +
                              std::to_string(n) + ") of " + path.string());
    }
  }
  std::sort(plan.sorted.begin(), plan.sorted.end());
  plan.sorted.erase(std::unique(plan.sorted.begin(), plan.sorted.end()), plan.sorted.end());
  plan.identity = static_cast<int64_t>(plan.sorted.size()) == k &&
                  std::equal(plan.sorted.begin(), plan.sorted.end(), p);
  if (!plan.identity) {
    plan.positions.resize(static_cast<size_t>(k));
    int64_t* pos = plan.positions.data();
    for (int64_t i = 0; i < k; ++i) {
      pos[i] = std::lower_bound(plan.sorted.begin(), plan.sorted.end(), p[i]) - plan.sorted.begin();
    }
  }
  return plan;
}

// Rows back in the requested order. A plain copy loop: index_select would start LibTorch's
// thread pool for a 64-row batch, which costs more than the read on a busy node.
torch::Tensor reorder(const torch::Tensor& rows, const RowPlan& plan) {
  if (plan.identity) return rows;
  std::vector<int64_t> sizes = rows.sizes().vec();
  sizes[0] = static_cast<int64_t>(plan.positions.size());
  torch::Tensor out = torch::empty(sizes, rows.options());
  const size_t row_bytes = static_cast<size_t>(rows[0].numel()) * rows.element_size();
  const auto* src = static_cast<const unsigned char*>(rows.data_ptr());
  auto* dst = static_cast<unsigned char*>(out.data_ptr());
  for (size_t i = 0; i < plan.positions.size(); ++i)
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(plan.positions[i]) * row_bytes,
                row_bytes);
  return out;
}

}  // namespace

struct PackRowReader::Handles {
  fs::path path;
  Hid file, images, labels;
};

PackRowReader::PackRowReader(const std::filesystem::path& file) : h_(std::make_unique<Handles>()) {
  OpenPack p = open_pack(file);
  h_->path = file;
  info_ = p.info;
  // Reopen /images with a chunk cache chosen for random rows (measured on the CIFAR-10 subset,
  // 10,000 rows, batches of 64 from a permutation, file in the page cache, HDF5 1.10.8):
  //  - uncompressed chunks (ours): no cache. HDF5 then reads just the selected rows, 0.26 ms a
  //    batch; a cache that holds a chunk makes HDF5 load the whole 786 KB chunk for one row
  //    (256x the bytes, 2.4 ms a batch), and with w0 = 1.0 partly read chunks were never
  //    evicted (memory grew to the whole data set despite a 3 MiB limit).
  //  - compressed chunks (packs from other tools): a chunk must be decoded whole, so keep a
  //    few, with HDF5's default w0 so partly read chunks are evicted too.
  size_t cache_bytes = 0;
  {
    Hid dcpl(H5CALL(H5Dget_create_plist(p.images), file), H5Pclose);
    if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5CALL(H5Pget_nfilters(dcpl), file) > 0) {
      std::array<hsize_t, 4> chunk{};
      H5CALL(H5Pget_chunk(dcpl, 4, chunk.data()), file);
      cache_bytes = kCacheChunks * chunk[0] * chunk[1] * chunk[2] * chunk[3];
    }
  }
  p.images.reset();  // a second open of a dataset would share the first one's cache settings
  Hid dapl(H5CALL(H5Pcreate(H5P_DATASET_ACCESS), file), H5Pclose);
  H5CALL(H5Pset_chunk_cache(dapl, kCacheSlots, cache_bytes, kCacheW0), file);  // 0 bytes: off
  h_->images = Hid(H5CALL(H5Dopen2(p.file, "images", dapl), file), H5Dclose);
  h_->labels = std::move(p.labels);
  h_->file = std::move(p.file);
}

PackRowReader::~PackRowReader() = default;

torch::Tensor PackRowReader::read_images(const torch::Tensor& indices) {
  const RowPlan plan = plan_rows(indices, info_.n, h_->path);
  const auto u = static_cast<int64_t>(plan.sorted.size());
  torch::Tensor rows = torch::empty({u, info_.c, info_.h, info_.w}, torch::kUInt8);
  read_rows(h_->images, H5T_NATIVE_UINT8, 1, plan.sorted,
            {hsize_t(info_.c), hsize_t(info_.h), hsize_t(info_.w)}, rows.data_ptr(), h_->path);
  rows_read_ += u;
  return reorder(rows, plan);
}

torch::Tensor PackRowReader::read_labels(const torch::Tensor& indices) {
  const RowPlan plan = plan_rows(indices, info_.n, h_->path);
  const auto u = static_cast<int64_t>(plan.sorted.size());
  torch::Tensor rows = torch::empty({u}, torch::kInt64);
  read_rows(h_->labels, H5T_NATIVE_INT64, sizeof(int64_t), plan.sorted, {}, rows.data_ptr(),
            h_->path);
  check_labels(rows, torch::from_blob(const_cast<int64_t*>(plan.sorted.data()), {u}, torch::kInt64),
               info_, h_->path);
  return reorder(rows, plan);
}

}  // namespace ganrun::data
