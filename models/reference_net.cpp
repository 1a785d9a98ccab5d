// models/reference_net.cpp — LeNet- and VGG-style reference classifiers, their training loop
// and their features (see header).
#include "models/reference_net.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/init.h"
#include "models/run_random.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

torch::Tensor pool(const torch::Tensor& x) { return F::max_pool2d(x, F::MaxPool2dFuncOptions(2)); }

// LeNet with 32/64 channels: 28 -> conv5 24 -> pool 12 -> conv5 8 -> pool 4; 1024 -> 128 -> C.
// About 98.6% on MNIST from 5,000 images; LeNet-5's 6/16 channels sit near 97.5-98%.
class LeNet final : public ReferenceNet {
 public:
  explicit LeNet(int64_t classes)
      : conv1_(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 5)))),
        conv2_(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 5)))),
        fc1_(register_module("fc1", torch::nn::Linear(64 * 4 * 4, kFeatures))),
        fc2_(register_module("fc2", torch::nn::Linear(kFeatures, classes))) {}

  Output forward(const torch::Tensor& x) override {
    auto h = pool(torch::relu(conv1_->forward(x)));
    h = pool(torch::relu(conv2_->forward(h)));
    auto features = torch::relu(fc1_->forward(h.flatten(1)));
    return {features, fc2_->forward(features)};
  }
  int64_t feature_width() const override { return kFeatures; }
  const std::string& name() const override {
    static const std::string n = "lenet";
    return n;
  }

 private:
  static constexpr int64_t kFeatures = 128;
  torch::nn::Conv2d conv1_, conv2_;
  torch::nn::Linear fc1_, fc2_;
};

// A small VGG: two 3x3 convs at 32, two at 64, one at 128, each block max-pooled
// (32 -> 16 -> 8 -> 4); 2048 -> 256 -> C. No normalisation layers, so eval equals train mode.
class SmallVgg final : public ReferenceNet {
 public:
  explicit SmallVgg(int64_t classes)
      : c1a_(conv("conv1a", 3, 32)),
        c1b_(conv("conv1b", 32, 32)),
        c2a_(conv("conv2a", 32, 64)),
        c2b_(conv("conv2b", 64, 64)),
        c3a_(conv("conv3a", 64, 128)),
        fc1_(register_module("fc1", torch::nn::Linear(128 * 4 * 4, kFeatures))),
        fc2_(register_module("fc2", torch::nn::Linear(kFeatures, classes))) {}

  Output forward(const torch::Tensor& x) override {
    auto h = pool(torch::relu(c1b_->forward(torch::relu(c1a_->forward(x)))));
    h = pool(torch::relu(c2b_->forward(torch::relu(c2a_->forward(h)))));
    h = pool(torch::relu(c3a_->forward(h)));
    auto features = torch::relu(fc1_->forward(h.flatten(1)));
    return {features, fc2_->forward(features)};
  }
  int64_t feature_width() const override { return kFeatures; }
  const std::string& name() const override {
    static const std::string n = "vgg";
    return n;
  }

 private:
  static constexpr int64_t kFeatures = 256;
  torch::nn::Conv2d conv(const char* name, int64_t in, int64_t out) {
    return register_module(name,
                           torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
  }
  torch::nn::Conv2d c1a_, c1b_, c2a_, c2b_, c3a_;
  torch::nn::Linear fc1_, fc2_;
};

// Random crops of a batch padded by `pad` black pixels (-1 in the input range) and, with
// `flips`, random horizontal flips: one draw per image.
torch::Tensor augment_batch(const torch::Tensor& x, int64_t pad, bool flips_too,
                            torch::Generator& gen) {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  const auto cpu_long = torch::TensorOptions().dtype(torch::kInt64);
  const auto flips = at::randint(2, {n}, gen, cpu_long);
  const auto dy = at::randint(2 * pad + 1, {n}, gen, cpu_long);
  const auto dx = at::randint(2 * pad + 1, {n}, gen, cpu_long);
  const auto padded = F::pad(x, F::PadFuncOptions({pad, pad, pad, pad}).value(-1.0));
  std::vector<torch::Tensor> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    auto img = padded[i].narrow(1, dy[i].item<int64_t>(), h).narrow(2, dx[i].item<int64_t>(), w);
    rows.push_back(flips_too && flips[i].item<int64_t>() == 1 ? img.flip({2}) : img);
  }
  return torch::stack(rows);
}

}  // namespace

std::string reference_net_for(int64_t channels, int64_t height, int64_t width) {
  if (channels == 1 && height == 28 && width == 28) return "lenet";
  if (channels == 3 && height == 32 && width == 32) return "vgg";
  return "";
}

std::shared_ptr<ReferenceNet> make_reference_net(const std::string& name, int64_t classes,
                                                 uint64_t seed) {
  std::shared_ptr<ReferenceNet> net;
  if (name == "lenet")
    net = std::make_shared<LeNet>(classes);
  else if (name == "vgg")
    net = std::make_shared<SmallVgg>(classes);
  else
    throw std::invalid_argument("unknown reference net '" + name + "' (known: lenet, vgg)");
  init_default(*net, seed, /*net_index=*/0);
  return net;
}

torch::Tensor reference_input(const torch::Tensor& images_u8) {
  if (images_u8.scalar_type() != torch::kUInt8)
    throw std::invalid_argument("reference_input: expected uint8 images");
  return images_u8.to(torch::kFloat32) / 127.5 - 1.0;
}

FeaturesAndProbabilities classify(ReferenceNet& net, const torch::Tensor& images_u8,
                                  int64_t chunk) {
  torch::NoGradGuard no_grad;
  net.eval();
  const auto device = net.parameters().front().device();
  std::vector<torch::Tensor> features, probabilities;
  for (int64_t start = 0; start < images_u8.size(0); start += chunk) {
    const auto part = images_u8.narrow(0, start, std::min(chunk, images_u8.size(0) - start));
    const auto out = net.forward(reference_input(part.to(device)));
    features.push_back(out.features.to(torch::kFloat64));
    probabilities.push_back(torch::softmax(out.logits.to(torch::kFloat64), 1));
  }
  return {torch::cat(features), torch::cat(probabilities)};
}

void train_reference_net(ReferenceNet& net, const torch::Tensor& images_u8,
                         const torch::Tensor& labels, const ReferenceTraining& settings) {
  if (images_u8.size(0) != labels.size(0) || images_u8.size(0) < settings.batch)
    throw std::invalid_argument("train_reference_net: need as many labels as images, >= batch");
  net.train();
  torch::optim::Adam optimizer(net.parameters(), torch::optim::AdamOptions(settings.lr));
  const int64_t n = images_u8.size(0), batches = n / settings.batch;
  for (int64_t epoch = 0; epoch < settings.epochs; ++epoch) {
    // Exponential decay to lr / 30 at the last epoch: the late small steps settle the net (a
    // constant rate left LeNet on 5,000 MNIST images between 97.7% and 98.3% by epoch count).
    const double decay = settings.epochs > 1
                             ? std::pow(1.0 / 30.0, static_cast<double>(epoch) /
                                                        static_cast<double>(settings.epochs - 1))
                             : 1.0;
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(settings.lr * decay);
    auto gen = keyed_generator(settings.seed, static_cast<uint64_t>(epoch), Purpose::kReference);
    const auto order = at::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64));
    double loss_sum = 0;
    for (int64_t b = 0; b < batches; ++b) {
      const auto idx = order.narrow(0, b * settings.batch, settings.batch);
      auto x = reference_input(images_u8.index_select(0, idx));
      if (settings.shift > 0 || settings.flips)
        x = augment_batch(x, settings.shift, settings.flips, gen);
      const auto loss = F::cross_entropy(net.forward(x).logits, labels.index_select(0, idx));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
    }
    if (settings.on_epoch) settings.on_epoch(epoch + 1, loss_sum / static_cast<double>(batches));
  }
  net.eval();
}

double reference_accuracy(ReferenceNet& net, const torch::Tensor& images_u8,
                          const torch::Tensor& labels) {
  const auto probabilities = classify(net, images_u8).probabilities;
  const auto hits = probabilities.argmax(1).cpu().eq(labels.cpu()).sum().item<int64_t>();
  return static_cast<double>(hits) / static_cast<double>(labels.size(0));
}

NamedTensors reference_state(ReferenceNet& net) {
  NamedTensors state;
  for (const auto& item : net.named_parameters()) state.emplace_back(item.key(), item.value());
  return state;
}

void load_reference_state(ReferenceNet& net, const NamedTensors& state) {
  torch::NoGradGuard no_grad;
  auto params = net.named_parameters();
  if (state.size() != params.size())
    throw std::invalid_argument("reference net " + net.name() + ": " +
                                std::to_string(state.size()) + " arrays for " +
                                std::to_string(params.size()) + " parameters");
  for (const auto& [name, tensor] : state) {
    auto* target = params.find(name);
    if (target == nullptr || target->sizes() != tensor.sizes())
      throw std::invalid_argument("reference net " + net.name() + ": array '" + name +
                                  "' does not match a parameter of that name and shape");
    target->copy_(tensor);
  }
}

}  // namespace ganrun::models
