// tests/unit/loop_recorder.h — a LoopObserver that keeps everything a step loop reports (metric
// rows, sample grids, toy evaluation points, each with its step), for tests that compare two
// runs' outputs.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "runner/train_loop.h"

namespace ganrun::test {

class LoopRecorder final : public LoopObserver {
 public:
  void on_metrics(int64_t steps_done, const std::vector<double>& means) override {
    steps.push_back(steps_done);
    rows.push_back(means);
  }
  void on_samples(int64_t steps_done, const torch::Tensor& images) override {
    grid_steps.push_back(steps_done);
    grids.push_back(images);
  }
  void on_points(int64_t steps_done, const ToyEval& eval) override {
    point_steps.push_back(steps_done);
    points.push_back(eval.points);
  }
  // Everything reported after `step` is dropped, as a resumed run file drops it.
  void keep_until(int64_t step) {
    while (!steps.empty() && steps.back() > step) steps.pop_back(), rows.pop_back();
    while (!grid_steps.empty() && grid_steps.back() > step) grid_steps.pop_back(), grids.pop_back();
    while (!point_steps.empty() && point_steps.back() > step)
      point_steps.pop_back(), points.pop_back();
  }

  std::vector<int64_t> steps, grid_steps, point_steps;
  std::vector<std::vector<double>> rows;
  std::vector<torch::Tensor> grids, points;
};

}  // namespace ganrun::test
