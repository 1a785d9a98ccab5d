// models/metric_accumulator.h — per-step quantities summed on the device and read back only
// every log_every steps, so the step loop never waits for the device (no .item() per step).
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace ganrun::models {

// A packed run's variant adds one value per member ([K] tensors): the sums are per member and
// take_member_means returns one row of means per member.
class MetricAccumulator {
 public:
  explicit MetricAccumulator(std::vector<std::string> names, int64_t members = 1);

  // Adds a scalar tensor, or [K] for a packed run (detached), to the running sum of `name`;
  // no host sync.
  void add(const std::string& name, const torch::Tensor& value);
  // Means since the last call, in names() order (NaN for a metric with no sample), then resets.
  // This is the one host sync of a log interval. `sampled`, when given, says which metrics had
  // at least one sample (a NaN there is a real NaN, not an empty interval). Unpacked only.
  std::vector<double> take_means(std::vector<bool>* sampled = nullptr);
  // The same for every member: [K][metrics].
  std::vector<std::vector<double>> take_member_means(std::vector<bool>* sampled = nullptr);
  int64_t members() const { return members_; }
  const std::vector<std::string>& names() const { return names_; }

 private:
  size_t index_of(const std::string& name) const;
  std::vector<std::string> names_;
  int64_t members_;
  std::vector<torch::Tensor> sums_;  // [K] each
  std::vector<int64_t> counts_;
};

}  // namespace ganrun::models
