// runner/step_graph.cpp — capture and replay of one training step (see header).
#include "runner/step_graph.h"

#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>  // cudaStreamIsCapturing, cudaStreamEndCapture

#include <exception>
#include <optional>

namespace ganrun {
namespace {

constexpr int kWarmupSteps = 2;  // eager steps on the side stream before recording

// Ends a capture that an exception interrupted, so the stream can run eagerly again.
void end_failed_capture(const c10::cuda::CUDAStream& stream) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(stream.stream(), &status) != cudaSuccess ||
      status == cudaStreamCaptureStatusNone)
    return;
  cudaGraph_t partial = nullptr;
  if (cudaStreamEndCapture(stream.stream(), &partial) == cudaSuccess && partial != nullptr)
    cudaGraphDestroy(partial);
  (void)cudaGetLastError();  // the capture's error is reported through the notice
}

std::vector<int64_t> difference(const std::vector<int64_t>& after,
                                const std::vector<int64_t>& before) {
  std::vector<int64_t> d(after.size());
  for (size_t i = 0; i < after.size(); ++i) d[i] = after[i] - before[i];
  return d;
}

}  // namespace

struct StepGraph::Impl {
  bool on = false;         // capture (or, tape_only, serve from the tape)
  bool tape_only = false;  // no CUDA graph: the served step runs eagerly (CPU tests)
  int warmup_left = kWarmupSteps;
  bool recorded = false;
  Notice notice;
  std::vector<models::RealBatch> statics;  // the step's real batches, one per critic update
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  std::vector<int64_t> replay_counts;  // metric values one replay adds
  // The side stream every step runs on (capture needs a stream other than the default one).
  std::optional<c10::cuda::CUDAStream> original, side;
  std::optional<c10::cuda::CUDAStreamGuard> on_side;

  void stage(const std::vector<models::RealBatch>& reals) {
    for (size_t i = 0; i < reals.size(); ++i) {
      statics[i].images.copy_(reals[i].images, /*non_blocking=*/true);
      if (reals[i].labels.defined()) statics[i].labels.copy_(reals[i].labels, true);
    }
  }
  void turn_off(const std::string& why, models::NoiseSource& noise) {
    on = false;
    graph.reset();
    noise.set_tape(models::DrawTape::kOff);
    notice("CUDA graphs off for this run: " + why + "; it trains eagerly");
  }
};

std::string StepGraph::refusal(const torch::Device& device, bool data_parallel,
                               const models::Variant& variant) {
  if (!device.is_cuda()) return "CUDA graphs need a CUDA device";
  if (data_parallel) return "a data-parallel group all-reduces its gradients inside the step";
  return variant.graph_refusal();
}

StepGraph::StepGraph(GraphMode mode, const torch::Device& device, models::Variant& variant,
                     const std::string& refusal, Notice notice)
    : impl_(std::make_unique<Impl>()) {
  impl_->notice = std::move(notice);
  impl_->tape_only = mode == GraphMode::kTapeOnly;
  if (mode == GraphMode::kOff) return;
  if (!refusal.empty() && !impl_->tape_only) {
    impl_->notice("CUDA graphs off for this run: " + refusal + "; it trains eagerly");
    return;
  }
  impl_->on = true;
  variant.use_capturable_optimizers();
  if (impl_->tape_only) return;
  // Everything so far ran on the current stream: the side stream waits for it.
  impl_->original = c10::cuda::getCurrentCUDAStream(device.index());
  impl_->side = c10::cuda::getStreamFromPool(false, device.index());
  at::cuda::CUDAEvent ready;
  ready.record(*impl_->original);
  ready.block(*impl_->side);
  impl_->on_side.emplace(*impl_->side);
}

StepGraph::~StepGraph() {
  if (!impl_->side) return;
  // What follows on the original stream (the run file's last reads) waits for the side stream.
  at::cuda::CUDAEvent done;
  done.record(*impl_->side);
  impl_->on_side.reset();
  done.block(*impl_->original);
}

void StepGraph::invalidate() {
  impl_->graph.reset();
  impl_->recorded = false;
  impl_->statics.clear();
}

void StepGraph::run(int64_t step, const std::vector<models::RealBatch>& reals,
                    models::NoiseSource& noise, models::MetricAccumulator& metrics,
                    const Body& body) {
  Impl& g = *impl_;
  if (!g.on) return body(reals);
  if (g.warmup_left > 0) {
    --g.warmup_left;
    return body(reals);
  }
  if (!g.recorded) {  // eager, with every input in a buffer of its own
    g.statics.clear();
    for (const auto& r : reals)
      g.statics.push_back({r.images.clone(), r.labels.defined() ? r.labels.clone() : r.labels});
    noise.set_tape(models::DrawTape::kRecord);
    body(g.statics);
    noise.set_tape(models::DrawTape::kOff);
    g.recorded = true;
    return;
  }
  g.stage(reals);
  noise.restage(step);
  if (g.tape_only) {  // the served step, eagerly
    noise.set_tape(models::DrawTape::kServe);
    body(g.statics);
    noise.set_tape(models::DrawTape::kOff);
    return;
  }
  if (!g.graph) {
    const auto before = metrics.counts();
    noise.set_tape(models::DrawTape::kServe);
    try {
      g.graph = std::make_unique<at::cuda::CUDAGraph>();
      g.graph->capture_begin();
      body(g.statics);
      g.graph->capture_end();
    } catch (const std::exception& e) {
      // capture_end also stops routing allocations to the graph's pool; it throws for a
      // capture the error invalidated, and the stream's capture is then ended directly.
      try {
        if (g.graph) g.graph->capture_end();
      } catch (const std::exception&) {
      }
      end_failed_capture(*g.side);
      metrics.set_counts(before);
      // LibTorch's messages carry a backtrace after the first line: the notice is one line.
      const std::string what = e.what();
      g.turn_off("the step could not be captured (" + what.substr(0, what.find('\n')) + ")", noise);
      return body(reals);  // nothing of the captured step ran
    }
    noise.set_tape(models::DrawTape::kOff);
    g.replay_counts = difference(metrics.counts(), before);
    metrics.set_counts(before);  // capturing ran nothing: the replay below is the step
  }
  g.graph->replay();
  metrics.add_counts(g.replay_counts);
}

}  // namespace ganrun
