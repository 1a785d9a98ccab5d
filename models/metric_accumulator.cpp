// models/metric_accumulator.cpp — device-side metric sums (see header).
#include "models/metric_accumulator.h"

#include <ATen/ATen.h>  // at::stack

#include <limits>
#include <stdexcept>

namespace ganrun::models {

MetricAccumulator::MetricAccumulator(std::vector<std::string> names, int64_t members)
    : names_(std::move(names)),
      members_(members),
      sums_(names_.size()),
      counts_(names_.size(), 0) {}

size_t MetricAccumulator::index_of(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  throw std::logic_error("metric '" + name + "' was not declared by the variant");
}

void MetricAccumulator::add(const std::string& name, const torch::Tensor& value) {
  const size_t i = index_of(name);
  auto v = value.detach().to(torch::kFloat64).reshape({members_});
  if (!sums_[i].defined()) sums_[i] = torch::zeros({members_}, v.options());
  sums_[i].add_(v);  // in place: the same tensor for the whole run (CUDA graphs)
  ++counts_[i];
}

void MetricAccumulator::set_counts(std::vector<int64_t> counts) {
  if (counts.size() != counts_.size()) throw std::logic_error("set_counts: wrong length");
  counts_ = std::move(counts);
}

void MetricAccumulator::add_counts(const std::vector<int64_t>& counts) {
  if (counts.size() != counts_.size()) throw std::logic_error("add_counts: wrong length");
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += counts[i];
}

std::vector<double> MetricAccumulator::take_means(std::vector<bool>* sampled) {
  if (members_ != 1) throw std::logic_error("take_means on a packed run's metrics");
  return take_member_means(sampled).front();
}

std::vector<std::vector<double>> MetricAccumulator::take_member_means(std::vector<bool>* sampled) {
  std::vector<std::vector<double>> means(
      static_cast<size_t>(members_),
      std::vector<double>(names_.size(), std::numeric_limits<double>::quiet_NaN()));
  if (sampled != nullptr) {
    sampled->assign(names_.size(), false);
    for (size_t i = 0; i < names_.size(); ++i) (*sampled)[i] = counts_[i] > 0;
  }
  std::vector<torch::Tensor> defined;
  std::vector<size_t> which;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (counts_[i] == 0) continue;
    defined.push_back(sums_[i] / static_cast<double>(counts_[i]));
    which.push_back(i);
  }
  if (!defined.empty()) {
    // One device-to-host copy for all metrics: [metrics, K].
    auto host = at::stack(defined).to(torch::kCPU).contiguous();
    const auto* p = host.data_ptr<double>();
    for (size_t k = 0; k < which.size(); ++k)
      for (int64_t m = 0; m < members_; ++m)
        means[static_cast<size_t>(m)][which[k]] = p[static_cast<int64_t>(k) * members_ + m];
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    if (sums_[i].defined()) sums_[i].zero_();
    counts_[i] = 0;
  }
  return means;
}

void MetricAccumulator::save(torch::serialize::OutputArchive& archive) const {
  archive.write("counts", torch::tensor(counts_, torch::kInt64));
  for (size_t i = 0; i < sums_.size(); ++i)
    if (sums_[i].defined()) archive.write("sum_" + names_[i], sums_[i]);
}

void MetricAccumulator::load(torch::serialize::InputArchive& archive) {
  torch::Tensor counts;
  archive.read("counts", counts);
  if (counts.numel() != static_cast<int64_t>(counts_.size()))
    throw std::invalid_argument("the checkpoint's metric sums are not this run's metrics");
  const auto c = counts.to(torch::kCPU).contiguous();
  for (size_t i = 0; i < counts_.size(); ++i) {
    counts_[i] = c.data_ptr<int64_t>()[i];
    torch::Tensor sum;
    if (!archive.try_read("sum_" + names_[i], sum)) continue;
    if (sums_[i].defined())
      sums_[i].copy_(sum);
    else
      sums_[i] = sum;
  }
}

}  // namespace ganrun::models
