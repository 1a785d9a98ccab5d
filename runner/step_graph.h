// runner/step_graph.h — one training step (the critic updates and the generator update: forward,
// backward, optimiser) captured as a CUDA graph and replayed, so a step costs one launch instead
// of hundreds (a batch-64 MNIST GAN is mostly launch overhead on an H100).
//
// How a run goes through it (train_loop and the packed loop call run() once per step):
//   steps 1-2   eager on a side stream (warm-up: cuBLAS/cuDNN handles, lazily built state);
//   step 3      eager, recording: the real batches land in static buffers and the noise source
//               records its draws on a tape (models/variant.h: every draw gets its own buffer);
//   step 4      captured (nothing runs), then replayed;
//   from then   the step's real batches are copied into the static buffers, the tape restaged
//               for the step (the same keyed draws, drawn on the host and copied asynchronously
//               from pinned memory), and the graph replayed; the metric counts the capture
//               added are added on the host (the sums are updated in place on the device).
// The variant's end_step hook (BEGAN's epoch-end rule) stays outside the graph. A run whose
// step cannot be captured (Variant::graph_refusal, data-parallel groups, the CPU) trains eagerly;
// a capture that fails says why once and the run goes on eagerly.
//
// Requirements the step meets for this (tested eagerly on the CPU through the tape, and on a
// GPU by tests/gpu): no host reads inside the step (tests/unit/step_host_reads_test.cpp),
// optimisers with device-side step counts (Variant::use_capturable_optimizers), state carried
// from step to step updated in place (BEGAN's k_t, the metric sums).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/metric_accumulator.h"
#include "models/variant.h"

namespace ganrun {

// kOff: every step eager. kCuda: capture when the run allows it (refusal() is ""). kTapeOnly:
// everything kCuda does but the graph, the served step running eagerly (the CPU tests of the
// tape and the static buffers).
enum class GraphMode { kOff, kCuda, kTapeOnly };

class StepGraph {
 public:
  using Body = std::function<void(const std::vector<models::RealBatch>&)>;
  using Notice = std::function<void(const std::string&)>;

  // `refusal`: "" to capture, else why the run trains eagerly; said through `notice` once when
  // graphs were wanted (kCuda). Capturing also switches the variant to capturable optimisers
  // (before its first step).
  StepGraph(GraphMode mode, const torch::Device& device, models::Variant& variant,
            const std::string& refusal, Notice notice);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // One step: `body(reals)` runs the critic updates (one real batch each) and the generator
  // update, eagerly or as the graph's replay.
  void run(int64_t step, const std::vector<models::RealBatch>& reals, models::NoiseSource& noise,
           models::MetricAccumulator& metrics, const Body& body);
  // Drops the graph (a packed member was frozen, which changes the optimiser's step): the next
  // steps record and capture again.
  void invalidate();
  // Why a run's step cannot be captured here ("" when it can): not CUDA, a data-parallel group,
  // or the variant's own reason.
  static std::string refusal(const torch::Device& device, bool data_parallel,
                             const models::Variant& variant);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ganrun
