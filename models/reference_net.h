// models/reference_net.h — the reference classifiers that evaluation measures samples with
// (no Inception weights are downloaded: ganrun trains its own once per data set). A LeNet-style
// net for 1 x 28 x 28 images (MNIST, Fashion-MNIST) and a small VGG-style net for 3 x 32 x 32
// (CIFAR-10); their penultimate activations are the features of fd_<net> and kid_<net>, their
// softmax the class statistics. Plus the classifier's training loop. Tensors only: which images
// train it, where the net is saved and how it is found are the runner's (runner/references.h).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/variant.h"  // NamedTensors

namespace ganrun::models {

// "lenet" for [1, 28, 28], "vgg" for [3, 32, 32]; "" for a shape no reference net takes.
std::string reference_net_for(int64_t channels, int64_t height, int64_t width);

class ReferenceNet : public torch::nn::Module {
 public:
  // Penultimate activations (after their ReLU) and logits of images in the net's input range.
  struct Output {
    torch::Tensor features;  // [N, feature_width()]
    torch::Tensor logits;    // [N, classes]
  };
  virtual Output forward(const torch::Tensor& x) = 0;
  virtual int64_t feature_width() const = 0;
  virtual const std::string& name() const = 0;
};

// The net `name` ("lenet" | "vgg") for `classes` classes, float32 on the CPU, initialised
// from the keyed generator (seed, Purpose::kInit). std::invalid_argument for another name.
std::shared_ptr<ReferenceNet> make_reference_net(const std::string& name, int64_t classes,
                                                 uint64_t seed);

// The net's input: stored uint8 pixels x -> x / 127.5 - 1 as float32 (the generated images
// are first made uint8 exactly as a run stores them, so both sides see the same pixels).
torch::Tensor reference_input(const torch::Tensor& images_u8);

// Features (float64 [N, F]) and class probabilities (float64 [N, C]) of uint8 images, computed
// in float32 in eval mode, `chunk` images at a time on the net's device.
struct FeaturesAndProbabilities {
  torch::Tensor features;
  torch::Tensor probabilities;
};
FeaturesAndProbabilities classify(ReferenceNet& net, const torch::Tensor& images_u8,
                                  int64_t chunk = 250);

struct ReferenceTraining {
  int64_t epochs = 8;
  int64_t batch = 64;
  double lr = 1e-3;  // Adam, betas (0.9, 0.999); decayed exponentially to lr / 30 at the end
  uint64_t seed = 0;
  // Augmentation, one draw per image: crops of the image padded by `shift` black pixels
  // (random shifts of up to `shift` pixels) and, with flips, random horizontal flips.
  int64_t shift = 0;
  bool flips = false;
  // Called after each epoch with (epoch 1-based, mean training loss); may print progress.
  std::function<void(int64_t, double)> on_epoch;
};

// Trains `net` on uint8 images [N, C, H, W] and labels int64 [N] with cross-entropy; the epoch
// order and the augmentation draws come from keyed generators (seed, epoch, kReference), so a
// CPU run is deterministic given the seed and thread count.
void train_reference_net(ReferenceNet& net, const torch::Tensor& images_u8,
                         const torch::Tensor& labels, const ReferenceTraining& settings);

// Fraction of images whose argmax class equals the label.
double reference_accuracy(ReferenceNet& net, const torch::Tensor& images_u8,
                          const torch::Tensor& labels);

// Parameters in registration order (the saved file's order), and their load back (names and
// shapes must match; std::invalid_argument naming the first that does not).
NamedTensors reference_state(ReferenceNet& net);
void load_reference_state(ReferenceNet& net, const NamedTensors& state);

}  // namespace ganrun::models
