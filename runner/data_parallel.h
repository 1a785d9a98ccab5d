// runner/data_parallel.h — how a run trains on a group of k ranks (ranks_per_run: k, or
// `train --data-parallel`): each rank computes its slice batch/k of every global batch
// (data::shard_of), batch-wide quantities are summed over the group (GroupBatchReducer), the
// gradients of D and of G are averaged after each backward in ~25 MB buckets
// (launch::GradientAllreducer), and every network starts from the group root's parameters and
// buffers. Optimizer state needs no broadcast: it is empty until the first step, which then
// sees the same averaged gradients on every rank. BatchNorm statistics stay per rank (local).
// This is where the GAN side (models::Variant) meets the launch side (launch/ collectives).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "launch/collectives.h"
#include "launch/gradient_allreduce.h"
#include "launch/process_group.h"
#include "models/variant.h"
#include "runner/run_settings.h"
#include "runner/train_loop.h"

namespace ganrun {

// models::BatchReducer over the group's collectives: a copy of the partial, summed over ranks
// (a constant: gradients flow through models::coupled_sum, not through the reducer).
class GroupBatchReducer final : public models::BatchReducer {
 public:
  explicit GroupBatchReducer(launch::GroupCollectives& collectives) : collectives_(&collectives) {}
  torch::Tensor sum(const torch::Tensor& partial) const override;

 private:
  launch::GroupCollectives* collectives_;
};

// True on every rank of `group` when a stop signal reached any of them (runner/stop_request.h);
// a collective of the group when it has more than one rank.
bool group_stop_requested(const launch::ProcessGroup& group);

// The group root's `value` on every rank of `group` (a collective when it has more than one
// rank): the step a group's run resumes from is the root's decision.
int64_t root_value_in_group(const launch::ProcessGroup& group, int64_t value);

// Calls `load` on every rank of `group` and agrees on the outcome: when it threw on any rank,
// every rank throws (its own message, or that another rank's failed), so no rank goes on into
// the step collectives alone.
void load_on_every_rank(const launch::ProcessGroup& group, const std::function<void()>& load);

// "" when a run of `batch` can be split over `ranks` ranks, else the message (exit 2).
std::string data_parallel_batch_error(int64_t batch, int ranks);

class DataParallel {
 public:
  // A collective over group.comm on every rank of the group (the NCCL bootstrap on CUDA).
  // Throws ConfigError when the batch does not divide by the group size, std::runtime_error
  // when the device cannot serve the group (ranks sharing a GPU, no NCCL).
  DataParallel(const launch::ProcessGroup& group, torch::Device device, int64_t global_batch);
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // This rank's loop set-up: its slice, the group reducer, the gradient average and the
  // group mean of the logged metrics. Valid while this object lives.
  LoopSetup loop_setup(const RunSettings& settings, std::string run_id, int64_t total_steps,
                       torch::Device device) const;

  // Every network's parameters and buffers from the group root (call before training).
  void broadcast_from_root(models::Variant& variant);

  const models::BatchSlice& slice() const { return slice_; }
  const launch::ProcessGroup& group() const { return group_; }
  launch::GradientAllreducer& allreducer() { return allreducer_; }
  // The group's collectives (the evaluation gathers its features over them).
  launch::GroupCollectives& collectives() { return *collectives_; }

 private:
  launch::ProcessGroup group_;
  std::unique_ptr<launch::GroupCollectives> collectives_;
  launch::GradientAllreducer allreducer_;
  GroupBatchReducer reducer_;
  models::GradientSync sync_;
  models::BatchSlice slice_;
};

}  // namespace ganrun
