// data/dataset.h — a labelled image data set held in memory as uint8, the form every reader
// produces. Batches are index gathers scaled to the training range at batch time.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace ganrun::data {

struct Dataset {
  std::string name;                      // e.g. "fashion-mnist"
  std::string split;                     // "train" | "test"
  torch::Tensor images;                  // uint8 [N, C, H, W]
  torch::Tensor labels;                  // int64 [N]
  std::vector<std::string> class_names;  // label -> name where the source gives them
  int64_t size() const { return images.size(0); }
  int64_t channels() const { return images.size(1); }
  int64_t height() const { return images.size(2); }
  int64_t width() const { return images.size(3); }
};

}  // namespace ganrun::data
