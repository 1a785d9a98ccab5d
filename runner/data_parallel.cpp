// runner/data_parallel.cpp — a run's set-up on a group of ranks (see header).
#include "runner/data_parallel.h"

#include <fmt/format.h>

#include <cmath>  // llround
#include <stdexcept>

#include "data/sample_order.h"
#include "launch/mpi_allreduce_backend.h"  // average_over_group
#include "launch/tensor_broadcast.h"
#include "runner/config_error.h"
#include "runner/stop_request.h"

namespace ganrun {

torch::Tensor GroupBatchReducer::sum(const torch::Tensor& partial) const {
  auto total = partial.detach().clone(at::MemoryFormat::Contiguous);
  collectives_->sum_in_place(total);
  return total;
}

std::string data_parallel_batch_error(int64_t batch, int ranks) {
  if (ranks < 1 || batch % ranks == 0) return "";
  return fmt::format(
      "batch {} does not divide over the {} ranks of a data-parallel run (each rank takes "
      "batch / ranks samples); choose a batch that is a multiple of {}, or another number of "
      "ranks",
      batch, ranks, ranks);
}

DataParallel::DataParallel(const launch::ProcessGroup& group, torch::Device device,
                           int64_t global_batch)
    : group_(group),
      collectives_([&] {
        if (const auto error = data_parallel_batch_error(global_batch, group.size); !error.empty())
          throw ConfigError(error);
        return launch::make_collectives(group, device);
      }()),
      allreducer_(*collectives_),
      reducer_(*collectives_) {
  const auto shard = data::shard_of(global_batch, group.rank, group.size);
  slice_ = models::BatchSlice{global_batch, shard.offset, shard.count};
  sync_ = [this](torch::nn::Module& module) { allreducer_.average(module.parameters()); };
}

bool group_stop_requested(const launch::ProcessGroup& group) {
  std::vector<double> flag{stop_requested() ? 1.0 : 0.0};
  if (group.size > 1) launch::average_over_group(group, flag);
  return flag.front() > 0.0;
}

int64_t root_value_in_group(const launch::ProcessGroup& group, int64_t value) {
  if (group.size == 1) return value;
  // The mean of the root's value and zeros, times the group size: exact for steps (< 2^53).
  std::vector<double> v{group.is_root() ? static_cast<double>(value) : 0.0};
  launch::average_over_group(group, v);
  return std::llround(v.front() * group.size);
}

void load_on_every_rank(const launch::ProcessGroup& group, const std::function<void()>& load) {
  std::string error;
  try {
    load();
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::vector<double> failed{error.empty() ? 0.0 : 1.0};
  if (group.size > 1) launch::average_over_group(group, failed);
  if (!error.empty()) throw std::runtime_error(error);
  if (failed.front() > 0.0)
    throw std::runtime_error("another rank of the run's group could not load its checkpoint");
}

LoopSetup DataParallel::loop_setup(const RunSettings& settings, std::string run_id,
                                   int64_t total_steps, torch::Device device) const {
  LoopSetup setup;
  setup.settings = &settings;
  setup.run_id = std::move(run_id);
  setup.total_steps = total_steps;
  setup.slice = slice_;
  setup.reducer = &reducer_;
  setup.sync_gradients = &sync_;
  setup.device = device;
  const launch::ProcessGroup group = group_;
  setup.reduce_metrics = [group](std::vector<double>& means) {
    launch::average_over_group(group, means);
  };
  // The group stops together: a rank that saw the signal stops every rank (one small MPI
  // reduction on the host per step; the step already all-reduces its gradients).
  setup.should_stop = [group]() { return group_stop_requested(group); };
  return setup;
}

void DataParallel::broadcast_from_root(models::Variant& variant) {
  std::vector<torch::Tensor> state;
  for (const auto& net : variant.networks()) {
    for (const auto& p : net->parameters()) state.push_back(p);
    for (const auto& b : net->buffers()) state.push_back(b);
  }
  launch::broadcast_from_root(*collectives_, state);
}

}  // namespace ganrun
