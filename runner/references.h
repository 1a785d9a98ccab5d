// runner/references.h — reference classifiers as the runner sees them: which images of a data
// set train one and which are held out (docs/evaluation.md "Reference nets"), training one into
// the cache (`ganrun eval train-reference`), and finding or training the one a run's evaluation
// uses, with the held-out images its real statistics come from.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "models/reference_net.h"
#include "runner/reference_file.h"

namespace ganrun {

struct ReferenceTrainOptions {
  std::string dataset;
  std::string data_dir;  // "" = the data set's default folder
  uint64_t seed = 0;
  int64_t epochs = 0;  // 0 = the net's default (lenet: max(2, ceil(60,000 / images)); vgg: 30)
  int64_t train_images = 0;                     // 0 = every image of the classifier's part
  std::function<void(const std::string&)> say;  // progress lines (null: quiet)
};

// Trains the reference net of a data set on CPU and returns its file contents (manifest,
// weights, held-out order). ConfigError for a data set without a reference net (toy sets) or a
// bad option; DataError when the data cannot be read.
ReferenceFile train_reference(const ReferenceTrainOptions& options);

// A reference ready to classify: the net on `device` and the held-out images (uint8, CPU) in
// the file's /eval_indices order.
struct LoadedReference {
  std::filesystem::path file;
  AttrMap manifest;
  std::string net_name;
  std::string sha256;
  std::shared_ptr<models::ReferenceNet> net;
  torch::Tensor eval_images;
  torch::Tensor eval_labels;
  torch::Tensor eval_indices;  // int64: where each held-out image sits in the eval split
  std::map<int64_t, AttrMap> floors;
};

// Loads `file` and the held-out images from the data (data_dir as for training). ConfigError
// when the data's held-out images differ from those the net was made with (their checksum).
LoadedReference load_reference(const std::filesystem::path& file, const std::string& data_dir,
                               torch::Device device);

// The newest reference in cache_dir for the data set (by its image shape's net), trained first
// when there is none: under ReferenceLock, so of many processes one trains and the others sleep
// until the file exists. `say` prints what happens (null: quiet).
LoadedReference obtain_reference(const std::string& dataset, const std::string& data_dir,
                                 const std::filesystem::path& cache_dir, torch::Device device,
                                 const std::function<void(const std::string&)>& say);

// The reference net of a data set ("lenet", "vgg"), or "" for one without (toy sets).
std::string reference_net_of(const std::string& dataset);

}  // namespace ganrun
