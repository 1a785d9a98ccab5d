// tests/gpu/host_sync_test.cpp — where ganrun's step loop makes the host wait for the GPU, and
// what it copies from host to device (label gpu; every case skips without a device).
//
// c10's CUDA sync debug mode (warn) raises a warning at every synchronising CUDA call; a
// warning handler here records each one with the innermost ATen op running at the time (a
// RecordFunction callback keeps the op stack) and the innermost ganrun frames of the call
// stack (the test binary exports its symbols: ENABLE_EXPORTS). Per variant it runs steps on
// CUDA and writes the sites with their counts per step to $GANRUN_GPU_REPORT_DIR/
// host_syncs.md (bench/gpu_session.sh collects it) or to stdout. Today's loop draws z on CPU
// generators and builds batch indices on the CPU, so sites are expected: this records them;
// the zero-sync assertion belongs to the speed issue. What is asserted:
// - the recorder sees a sync that is certainly there (.item() on a CUDA tensor);
// - the data set stays on the GPU: no uint8 tensor (the images) is copied host to device
//   during the steps, only the small index and noise tensors.
#include <ATen/record_function.h>
#include <c10/cuda/CUDAFunctions.h>  // c10::cuda::warning_state, SyncDebugMode
#include <c10/util/Backtrace.h>
#include <c10/util/Exception.h>  // c10::WarningHandler, c10::WarningUtils
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/gpu/gpu_test_support.h"

namespace ganrun::gpu_test {
namespace {

constexpr int64_t kSteps = 6;

// What happened while recording: sync sites with counts, host-to-device bytes by dtype.
struct Recording {
  std::map<std::string, int64_t> sync_sites;
  std::map<std::string, int64_t> h2d_bytes;  // dtype name -> bytes copied host to device
  std::vector<std::string> other_warnings;
};

thread_local Recording* active = nullptr;
thread_local std::vector<std::string> op_stack;  // ATen ops entered and not yet left

// "uint8" for the images' dtype, TypeMeta's name ("float", "long", ...) for the others.
std::string dtype_name(const at::Tensor& t) {
  return t.scalar_type() == at::kByte ? "uint8" : std::string(t.dtype().name());
}

std::unique_ptr<at::ObserverContext> on_op_start(const at::RecordFunction& fn) {
  const std::string name = fn.name();
  op_stack.push_back(name);
  if (active != nullptr && name == "aten::copy_" && fn.num_inputs() >= 2) {
    const auto inputs = fn.inputs();
    if (inputs[0].isTensor() && inputs[1].isTensor()) {
      const at::Tensor& dst = inputs[0].toTensor();
      const at::Tensor& src = inputs[1].toTensor();
      if (dst.is_cuda() && !src.is_cuda())
        active->h2d_bytes[dtype_name(src)] += static_cast<int64_t>(src.nbytes());
    }
  }
  return nullptr;
}

void on_op_end(const at::RecordFunction&, at::ObserverContext*) {
  if (!op_stack.empty()) op_stack.pop_back();
}

// "aten::op | innermost ganrun frame < its caller" from a c10 backtrace ("frame #N: name + off
// (addr in lib)" lines); frames of symbols the binary does not export have no name.
std::string call_site() {
  const std::string trace = c10::get_backtrace(/*frames_to_skip=*/2, /*max=*/48, true);
  std::istringstream lines(trace);
  std::vector<std::string> ganrun_frames;
  for (std::string line; std::getline(lines, line) && ganrun_frames.size() < 2;) {
    const auto at = line.find("ganrun::");
    if (at == std::string::npos || line.find("gpu_test::") != std::string::npos) continue;
    std::string frame = line.substr(at);
    const auto cut = frame.find(" + 0x");
    ganrun_frames.push_back(frame.substr(0, cut));
  }
  std::string site = op_stack.empty() ? "(no ATen op)" : op_stack.back();
  site += " | ";
  if (ganrun_frames.empty()) return site + "(no named ganrun frame)";
  site += ganrun_frames[0];
  if (ganrun_frames.size() > 1) site += " < " + ganrun_frames[1];
  return site;
}

class SyncRecorder final : public c10::WarningHandler {
 public:
  void process(const c10::Warning& warning) override {
    if (active == nullptr) return;
    if (warning.msg().find("synchronizing CUDA operation") != std::string::npos)
      ++active->sync_sites[call_site()];
    else
      active->other_warnings.push_back(warning.msg());
  }
};

// While alive: sync debug mode on warn, the recorder as warning handler and the op callbacks
// installed, `active` pointing at the recording; the destructor restores everything, also when
// the work throws.
class RecordingScope {
 public:
  explicit RecordingScope(Recording& rec)
      : guard_(&recorder_),
        handle_(at::addThreadLocalCallback(
            at::RecordFunctionCallback(&on_op_start, &on_op_end).needsInputs(true))),
        previous_(c10::cuda::warning_state().get_sync_debug_mode()) {
    c10::cuda::warning_state().set_sync_debug_mode(c10::cuda::SyncDebugMode::L_WARN);
    active = &rec;
  }
  ~RecordingScope() {
    active = nullptr;
    c10::cuda::warning_state().set_sync_debug_mode(previous_);
    at::removeCallback(handle_);
    op_stack.clear();
  }
  RecordingScope(const RecordingScope&) = delete;
  RecordingScope& operator=(const RecordingScope&) = delete;

 private:
  SyncRecorder recorder_;
  c10::WarningUtils::WarningHandlerGuard guard_;
  at::CallbackHandle handle_;
  c10::cuda::SyncDebugMode previous_;
};

template <class Work>
Recording record(Work&& work) {
  Recording rec;
  {
    RecordingScope scope(rec);
    work();
  }
  return rec;
}

TEST(HostSyncGpu, RecorderSeesAnExplicitSync) {
  GANRUN_REQUIRE_CUDA();
  const auto x = torch::ones({4}, torch::Device(torch::kCUDA, 0));
  double value = 0;
  const Recording rec = record([&] { value = x.sum().item<double>(); });
  EXPECT_EQ(value, 4.0);
  int64_t syncs = 0;
  for (const auto& [site, count] : rec.sync_sites) syncs += count;
  EXPECT_GE(syncs, 1) << "sync debug mode reported no sync for .item() on a CUDA tensor";
}

// The arch each variant is recorded on: its first accepted image architecture.
std::string arch_for(const std::string& variant) {
  for (const auto& a : models::accepted_archs(variant))
    if (a != "toy") return a;
  return models::accepted_archs(variant).front();
}

TEST(HostSyncGpu, RecordsSyncSitesPerVariantAndKeepsImagesOnTheDevice) {
  GANRUN_REQUIRE_CUDA();
  const torch::Device cuda(torch::kCUDA, 0);
  std::string report =
      "# Host synchronisations per step on CUDA (c10 sync debug mode, warn)\n\n"
      "Each variant on its first image architecture, batch 64, float32, " +
      std::to_string(kSteps) +
      " steps with one log point at the end (its metric read is the intended sync). A site is "
      "the ATen op running and the innermost named ganrun frames.\n\n"
      "| variant | arch | syncs / step | site |\n| --- | --- | ---: | --- |\n";
  std::string copies =
      "\n## Host-to-device copies per step\n\n| variant | dtype | bytes / step |\n"
      "| --- | --- | ---: |\n";
  for (const auto& variant : models::variant_names()) {
    RunSettings s;
    s.variant = variant;
    s.arch = arch_for(variant);
    s.batch = 64;
    // One unrecorded run first: allocations, cuDNN/cuBLAS handles and first-call syncs. The
    // recorded run's data and networks are made before recording starts: only steps count.
    run_loop(s, cuda, 1, 1);
    LoopRun run = prepare_loop(s, cuda, kSteps, kSteps);
    const Recording rec = record([&] { run_prepared(run); });
    ASSERT_FALSE(run.result.diverged) << variant << ": " << run.result.message;
    for (const auto& [site, count] : rec.sync_sites)
      report += fmt::format("| {} | {} | {:.2f} | `{}` |\n", variant, s.arch,
                            static_cast<double>(count) / kSteps, site);
    if (rec.sync_sites.empty()) report += fmt::format("| {} | {} | 0 | |\n", variant, s.arch);
    for (const auto& [dtype, bytes] : rec.h2d_bytes)
      copies += fmt::format("| {} | {} | {:.0f} |\n", variant, dtype,
                            static_cast<double>(bytes) / kSteps);
    // The set was placed on the device when the source was made, before recording: a uint8
    // copy during the steps is images crossing the bus.
    EXPECT_EQ(rec.h2d_bytes.count("uint8"), 0u)
        << variant << ": " << rec.h2d_bytes.at("uint8") << " bytes of uint8 copied host to device";
  }
  report += copies;
  const char* dir = std::getenv("GANRUN_GPU_REPORT_DIR");
  if (dir != nullptr && *dir != '\0') {
    std::ofstream(std::string(dir) + "/host_syncs.md") << report;
  }
  fmt::print("{}", report);
}

}  // namespace
}  // namespace ganrun::gpu_test
