// data/batch_source.cpp — the two batch sources: the whole set resident on the rank's device
// (a batch is one index_select there) and rows read on demand from an HDF5 pack (a batch is
// one read of exactly those rows, then one copy to the device), and the 2-D toy points held on
// the device.
#include "data/batch_source.h"

#include <algorithm>  // std::minmax_element
#include <stdexcept>
#include <string>
#include <utility>

#include "data/hdf5_pack.h"        // read_pack, read_pack_info
#include "data/pack_row_reader.h"  // PackRowReader

namespace ganrun::data {
namespace {

// Host indices on `device`: through pinned memory and an asynchronous copy on CUDA, so that
// the host does not wait for the device at every batch (the CPU: as they are).
torch::Tensor on_device(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

// Indices arrive as int64 [k] on the CPU (the sample order's output); anything else is a
// caller's bug, reported before it becomes an obscure gather error.
torch::Tensor checked_indices(const torch::Tensor& indices, int64_t size) {
  if (indices.dim() != 1 || indices.scalar_type() != torch::kInt64)
    throw std::invalid_argument("batch indices must be a 1-D int64 tensor");
  auto cpu = (indices.device().is_cpu() ? indices : indices.cpu()).contiguous();
  if (cpu.numel() > 0) {
    // Read in place (host memory, no ATen op): the step loop makes no host reads of tensors
    // between log points (tests/unit/step_host_reads_test.cpp).
    const int64_t* p = cpu.data_ptr<int64_t>();
    const auto [lo_it, hi_it] = std::minmax_element(p, p + cpu.numel());
    const int64_t lo = *lo_it, hi = *hi_it;
    if (lo < 0 || hi >= size)
      throw std::out_of_range("batch index " + std::to_string(lo < 0 ? lo : hi) +
                              " is outside the data set of " + std::to_string(size) + " rows");
  }
  return cpu;
}

class InMemorySource final : public BatchSource {
 public:
  InMemorySource(Dataset dataset, torch::Device device)
      : images_(dataset.images.to(device).contiguous()),
        labels_(dataset.labels.to(device).contiguous()) {
    if (images_.dim() != 4 || images_.scalar_type() != torch::kUInt8)
      throw std::invalid_argument("in-memory source: images must be uint8 [N, C, H, W]");
    if (labels_.size(0) != images_.size(0))
      throw std::invalid_argument("in-memory source: " + std::to_string(labels_.size(0)) +
                                  " labels for " + std::to_string(images_.size(0)) + " images");
  }

  int64_t size() const override { return images_.size(0); }
  int64_t channels() const override { return images_.size(1); }
  int64_t height() const override { return images_.size(2); }
  int64_t width() const override { return images_.size(3); }

  torch::Tensor images(const torch::Tensor& indices, torch::Device device) override {
    return gather(images_, indices, device);
  }
  torch::Tensor labels(const torch::Tensor& indices, torch::Device device) override {
    return gather(labels_, indices, device);
  }
  int64_t rows_read() const override { return 0; }

 private:
  torch::Tensor gather(const torch::Tensor& from, const torch::Tensor& indices,
                       torch::Device device) const {
    const auto idx = on_device(checked_indices(indices, size()), from.device());
    // .to is a no-op when the caller asks for the device the set lives on (the hot path).
    return from.index_select(0, idx).to(device);
  }

  torch::Tensor images_, labels_;
};

class PackSource final : public BatchSource {
 public:
  explicit PackSource(const std::filesystem::path& pack) : reader_(pack) {}

  int64_t size() const override { return reader_.info().n; }
  int64_t channels() const override { return reader_.info().c; }
  int64_t height() const override { return reader_.info().h; }
  int64_t width() const override { return reader_.info().w; }

  torch::Tensor images(const torch::Tensor& indices, torch::Device device) override {
    return reader_.read_images(checked_indices(indices, size())).to(device);
  }
  torch::Tensor labels(const torch::Tensor& indices, torch::Device device) override {
    return reader_.read_labels(checked_indices(indices, size())).to(device);
  }
  int64_t rows_read() const override { return reader_.rows_read(); }

 private:
  PackRowReader reader_;
};

// Toy points live on the device like an in-memory image set; a batch is one index_select.
class ToySource final : public BatchSource {
 public:
  ToySource(ToySet set, torch::Device device)
      : set_(std::move(set)), points_(set_.points.to(device, torch::kFloat64).contiguous()) {
    if (points_.dim() != 2 || points_.size(1) != 2)
      throw std::invalid_argument("toy source: points must be float64 [N, 2]");
  }

  int64_t size() const override { return points_.size(0); }
  // The toy architecture's data shape: 2 channels of 1 x 1 (models/nets.h).
  int64_t channels() const override { return 2; }
  int64_t height() const override { return 1; }
  int64_t width() const override { return 1; }

  torch::Tensor images(const torch::Tensor&, torch::Device) override {
    throw std::logic_error("toy set '" + set_.name + "' holds 2-D points, not images");
  }
  torch::Tensor labels(const torch::Tensor& indices, torch::Device device) override {
    return torch::zeros({checked_indices(indices, size()).size(0)},
                        torch::TensorOptions().dtype(torch::kInt64).device(device));
  }
  int64_t rows_read() const override { return 0; }
  const ToySet* toy_set() const override { return &set_; }
  torch::Tensor points(const torch::Tensor& indices, torch::Device device) override {
    const auto idx = on_device(checked_indices(indices, size()), points_.device());
    return points_.index_select(0, idx).to(device);
  }

 private:
  ToySet set_;  // points on the CPU (for the evaluation), centres, sigma
  torch::Tensor points_;
};

}  // namespace

torch::Tensor BatchSource::points(const torch::Tensor&, torch::Device) {
  throw std::logic_error("this data source holds images, not 2-D points");
}

std::unique_ptr<BatchSource> make_toy_source(ToySet set, torch::Device device) {
  return std::make_unique<ToySource>(std::move(set), device);
}

std::unique_ptr<BatchSource> make_in_memory_source(Dataset dataset, torch::Device device) {
  return std::make_unique<InMemorySource>(std::move(dataset), device);
}

std::unique_ptr<BatchSource> make_pack_source(const std::filesystem::path& pack) {
  return std::make_unique<PackSource>(pack);
}

std::unique_ptr<BatchSource> open_pack_source(const std::filesystem::path& pack,
                                              int64_t budget_bytes, torch::Device device) {
  const PackInfo info = read_pack_info(pack);
  const int64_t image_bytes = info.n * info.c * info.h * info.w;  // uint8: one byte a pixel
  if (image_bytes <= budget_bytes) return make_in_memory_source(read_pack(pack), device);
  return make_pack_source(pack);
}

}  // namespace ganrun::data
