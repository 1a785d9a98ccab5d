// runner/run_evaluation.h — a run's in-loop image evaluation (eval_every, eval_samples): finds
// or trains the data set's reference net (once per process and cache), computes the real-vs-
// real floor once per reference and N (stored in the reference file), and at each evaluation
// point evaluates the generator (runner/evaluator.h) and, on the group's root, appends the row
// to the run file. Every rank of a data-parallel group takes part (the work is split).
#pragma once

#include <torch/types.h>

#include <memory>
#include <string>

#include "runner/data_parallel.h"
#include "runner/evaluator.h"
#include "runner/progress.h"
#include "runner/run_file.h"
#include "runner/train_loop.h"

namespace ganrun {

class InLoopEvaluation {
 public:
  // writer: the run file on the group's root, null on the other ranks. parallel: the run's
  // group (null: this process alone). Throws when the reference cannot be found or trained.
  InLoopEvaluation(const RunSettings& settings, torch::Device device, DataParallel* parallel,
                   RunFileWriter* writer, ProgressReporter& progress);

  // Points setup.evaluate at this evaluation.
  void attach(LoopSetup& setup);
  double seconds() const { return seconds_; }

 private:
  void evaluate(int64_t steps_done, models::Variant& variant);

  RunSettings settings_;
  DataParallel* parallel_;
  RunFileWriter* writer_;
  ProgressReporter& progress_;
  std::unique_ptr<SampleEvaluator> evaluator_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double seconds_ = 0;
};

// The evaluation set-up of every run: eval_every resolved to steps; toy runs always score their
// last step, image runs when they evaluate at all.
void set_eval_points(LoopSetup& setup, const RunSettings& settings, int64_t steps_per_epoch,
                     bool toy);

// Whether a run evaluates images in the loop (eval_every set and the data has a reference net).
bool evaluates_images(const RunSettings& settings, bool toy);

}  // namespace ganrun
