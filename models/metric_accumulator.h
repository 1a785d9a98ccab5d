// models/metric_accumulator.h — per-step quantities summed on the device and read back only
// every log_every steps, so the step loop never waits for the device (no .item() per step).
#pragma once

#include <torch/serialize/archive.h>
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
  // How many values each metric has summed since the last take. A replayed CUDA graph adds on
  // the device what its capture recorded (the sums are updated in place, so a graph's adds land
  // in them), but not the host-side counts: the replaying loop adds the capture's counts.
  const std::vector<int64_t>& counts() const { return counts_; }
  void set_counts(std::vector<int64_t> counts);
  void add_counts(const std::vector<int64_t>& counts);
  // The partial sums and counts of the interval in progress (a checkpoint between log points).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  size_t index_of(const std::string& name) const;
  std::vector<std::string> names_;
  int64_t members_;
  std::vector<torch::Tensor> sums_;  // [K] each, float64, updated in place once allocated
  std::vector<int64_t> counts_;
};

}  // namespace ganrun::models
