// runner/pack_probe.h — how `pack: auto` sizes the packs of one group of compatible runs: the
// most members the device's free memory holds (one member's peak measured on CUDA; estimated from
// its state on the CPU), then a short throughput probe of the packed step at K = 1, 2, 4, ...
// (member-steps per second, random real batches of the run's shape, no files), stopping where
// doubling K gains less than 5% or at the memory bound or the members the group wants. The
// chosen K and the measured rates go into the plan table, so the choice is visible.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/batch_source.h"
#include "models/variant.h"
#include "runner/run_settings.h"

namespace ganrun {

struct PackProbe {
  int64_t k = 1;                                  // the chosen pack size
  int64_t memory_limit = 0;                       // members the free memory holds
  std::vector<std::pair<int64_t, double>> rates;  // K, member-steps per second
  // "K 8 (memory: 412; member-steps/s: K1 310, K2 560, K4 930, K8 1210, K16 1220)"
  std::string describe() const;
};

// Probes `s`'s packed step on `device` with this process's `slice` of each batch, drawn from
// `source`. `wanted`: the largest pack the group could use (its runs per worker). Each K is
// timed for about `seconds_per_k` after two warm-up steps. Throws what building or stepping the
// variant throws.
PackProbe probe_pack_size(const RunSettings& s, data::BatchSource& source, torch::Device device,
                          const models::BatchSlice& slice, int64_t wanted,
                          double seconds_per_k = 0.25);

// The rule the probe applies to its measurements, separate so that tests can check it: the
// smallest measured K whose successor gains less than `min_gain` (5%), or the last measured.
int64_t choose_pack_size(const std::vector<std::pair<int64_t, double>>& rates,
                         double min_gain = 0.05);

}  // namespace ganrun
