// runner/packed_loop.cpp — the packed step loop (see header).
#include "runner/packed_loop.h"

#include <ATen/ATen.h>  // at::cat, at::stack

#include <algorithm>
#include <string>

#include "data/sample_order.h"
#include "models/run_random.h"
#include "runner/stop_request.h"

namespace ganrun {
namespace {

// What a member has of its own in the loop.
struct MemberState {
  data::SampleOrder order;
  torch::Tensor fixed_z;
  bool active = true;
};

}  // namespace

std::vector<LoopResult> train_packed_loop(models::PackedVariant& pack, data::BatchSource& source,
                                          const std::vector<LoopSetup>& setups,
                                          const std::vector<LoopObserver*>& observers,
                                          const MemberDiverged& diverged,
                                          const std::vector<bool>& finished) {
  const LoopSetup& shared = setups.front();
  const RunSettings& s = *shared.settings;  // every key but seed, lr_g, lr_d, beta1, beta2
  const Float32Precision precision(s.reduced_precision);
  const auto dtype = s.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  const auto device = shared.device;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  const auto k_members = static_cast<int64_t>(setups.size());
  const models::ZDist z_dist = models::parse_z_dist(s.z_dist);
  const data::ToySet* toy = source.toy_set();

  std::vector<uint64_t> seeds;
  std::vector<MemberState> members;
  for (const auto& setup : setups) {
    const auto seed = static_cast<uint64_t>(setup.settings->seed);
    seeds.push_back(seed);
    members.push_back({data::SampleOrder(source.size(), s.batch, seed),
                       models::draw_z(toy ? shared.toy_samples : shared.fixed_samples, s.z_dim,
                                      seed, 0, models::Purpose::kFixedNoise, 0, z_dist, options)});
  }
  models::NoiseSource noise(seeds, s.z_dim, shared.slice, options, z_dist);
  const int64_t steps_per_epoch = members.front().order.batches_per_epoch() / s.n_critic;
  const models::FieldExtent toy_extent =
      toy ? models::field_extent(toy->points) : models::FieldExtent{};
  models::Variant& variant = *pack.packed;
  models::MetricAccumulator metrics(variant.metric_names(), k_members);
  const int64_t log_every = std::max<int64_t>(1, interval_steps(s.log_every, steps_per_epoch));
  const int64_t sample_every = interval_steps(s.sample_every, steps_per_epoch);
  const auto& names = variant.metric_names();

  std::vector<LoopResult> results(setups.size());
  for (auto& r : results) r.stop_step = shared.total_steps;
  int64_t active = k_members;
  int64_t step = shared.start_step;
  // A resumed pack: the checkpoint (the packed nets, optimisers and metric sums), then the
  // members that ended before (diverged) frozen again: they train masked and record nothing.
  if (shared.restore) shared.restore(variant, metrics);
  for (int64_t k = 0; k < k_members; ++k) {
    if (!finished.empty() && finished[static_cast<size_t>(k)]) {
      members[k].active = false;
      variant.freeze_member(k);
      --active;
    }
  }
  const auto graph = make_step_graph(shared, variant);
  try {
    // Each member's untrained generator, as a run alone scores it (eval_at_start).
    if (shared.eval_at_start && step == 0) {
      for (int64_t k = 0; k < k_members; ++k) {
        if (!members[k].active) continue;
        pack.copy_member(k);
        record_points(*pack.members[static_cast<size_t>(k)],
                      {members[k].fixed_z, toy, toy_extent, s.pixel_range}, setups[k], 0,
                      /*eval_point=*/true, /*sample_point=*/false, *observers[k]);
      }
    }
    for (; step < shared.total_steps; ++step) {
      if (shared.should_stop && shared.should_stop()) {
        // On demand: a checkpoint of the steps done, so the next attempt loses nothing.
        if (shared.checkpoint && step > 0) shared.checkpoint(step, variant, metrics);
        for (int64_t k = 0; k < k_members; ++k) {
          if (!members[k].active) continue;
          results[k] = LoopResult{
              .preempted = true,
              .stop_step = step,
              .message = "stopped by " + stop_signal_name() + " at step " + std::to_string(step)};
        }
        return results;
      }
      for (int64_t k = 0; k < k_members; ++k)
        if (members[k].active) maybe_throw_test_failure(setups[k].run_id, step);
      models::StepContext ctx = step_context(step, steps_per_epoch, noise, shared);
      // Batch b of the epoch: each member's own batch of its own epoch order, joined
      // member-major in dimension 1; its labels one column of [B, K] (models/pack_ops.h).
      const auto real_batch = [&](int64_t b) -> models::RealBatch {
        std::vector<torch::Tensor> parts, labels;
        for (auto& m : members) {
          const auto idx = m.order.indices(ctx.epoch, b, shared.slice.offset, shared.slice.count);
          parts.push_back(real_rows(source, idx, device, dtype, s.pixel_range));
          labels.push_back(source.labels(idx, device));
        }
        return {at::cat(parts, 1), at::stack(labels, 1)};
      };
      const int64_t first_batch = (step % steps_per_epoch) * s.n_critic;
      std::vector<models::RealBatch> reals;
      for (int64_t i = 0; i < s.n_critic; ++i) reals.push_back(real_batch(first_batch + i));
      // The critic updates and the generator update: eager, or replayed (runner/step_graph.h).
      graph->run(step, reals, noise, metrics, [&](const std::vector<models::RealBatch>& batch) {
        step_updates(variant, ctx, batch, metrics);
      });
      if (s.epoch_tail == "critic")
        epoch_tail_updates(variant, ctx, s.n_critic, steps_per_epoch * s.n_critic,
                           members.front().order.batches_per_epoch(), real_batch, metrics);
      variant.end_step(ctx, metrics);

      const int64_t done = step + 1;
      const bool last = done == shared.total_steps;
      if (done % log_every == 0 || last) {
        std::vector<bool> sampled;
        auto means = metrics.take_member_means(&sampled);
        for (int64_t k = 0; k < k_members; ++k) {
          if (!members[k].active) continue;
          // A data-parallel group's mean, so every rank records and judges the same numbers.
          if (setups[k].reduce_metrics) setups[k].reduce_metrics(means[k]);
          observers[k]->on_metrics(done, means[k]);
          std::string message = divergence_message(names, sampled, means[k], done);
          if (message.empty()) continue;
          // Frozen from here on; its run ends as its unpacked run would have.
          members[k].active = false;
          variant.freeze_member(k);
          graph->invalidate();  // the optimiser's masked step is a new step to capture
          --active;
          results[k] =
              LoopResult{.diverged = true, .stop_step = done, .message = std::move(message)};
          if (diverged) diverged(static_cast<size_t>(k), results[k]);
        }
        if (active == 0) return results;
      }
      const bool eval_point =
          (shared.eval_every > 0 && done % shared.eval_every == 0) || (last && shared.eval_at_end);
      const bool sample_point = (sample_every > 0 && done % sample_every == 0) || last;
      if (eval_point || (sample_point && toy == nullptr)) {
        for (int64_t k = 0; k < k_members; ++k) {
          if (!members[k].active) continue;
          pack.copy_member(k);
          record_points(*pack.members[static_cast<size_t>(k)],
                        {members[k].fixed_z, toy, toy_extent, s.pixel_range}, setups[k], done,
                        eval_point, sample_point, *observers[k]);
        }
      }
      if (shared.checkpoint && shared.checkpoint_every > 0 && done % shared.checkpoint_every == 0 &&
          !last)
        shared.checkpoint(done, variant, metrics);
    }
  } catch (const StepError&) {
    throw;
  } catch (const std::exception& e) {
    throw StepError(step, e.what());
  }
  if (!pack.members.empty()) pack.copy_members();  // the run files read the final nets
  return results;
}

}  // namespace ganrun
