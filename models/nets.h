// models/nets.h — the three kinds of network a variant is built from, and the factory that
// builds them for an architecture (`--arch`). A variant never names layers: it asks for a
// generator, a critic or an auto-encoder of the run's architecture, with the input and output
// widths its loss needs (a one-hot label appended to z, 1 + 10 critic outputs, ...).
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ganrun::models {

// z [B, in_features] -> images [B, C, H, W] in (-1, 1) (tanh), or points [B, 2] for `toy` (flat,
// no activation: the loop feeds toy real batches as float [B, 2] too).
struct GeneratorNet : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& z) = 0;
};

// x [B, C, H, W] (toy: [B, 2] or [B, 2, 1, 1], flattened), plus an optional one-hot condition [B,
// cond_classes] (undefined tensor when unconditional) -> raw outputs [B, outputs] (no sigmoid:
// logits or critic values). MLPs concatenate the condition to the flattened input, conv nets append
// it as cond_classes constant label planes.
struct CriticNet : torch::nn::Module {
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond) = 0;
  // The state of random generators the net draws from itself (mlp-deep's dropout), one CPU
  // tensor each, for checkpoints; empty when it has none.
  virtual std::vector<torch::Tensor> random_state() { return {}; }
  virtual void set_random_state(const std::vector<torch::Tensor>& /*state*/) {}
};

// x [B, C, H, W] -> {reconstruction [B, C, H, W], code [B, code_dim]} (EBGAN, BEGAN).
struct AutoEncoderNet : torch::nn::Module {
  virtual std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x) = 0;
};

// What to build: the run's architecture and data shape plus the widths the variant needs.
struct NetSpec {
  std::string arch = "mlp";
  int64_t channels = 1, height = 28, width = 28;  // toy: 2, 1, 1
  int64_t g_inputs = 100;      // z_dim (+ one-hot classes for cgan/acgan, + codes for infogan)
  int64_t cond_classes = 0;    // critic condition (cgan): one-hot width, 0 = none
  int64_t critic_outputs = 1;  // 1, 1 + 10 (acgan), 1 + 12 (infogan)
  // "" = the architecture's own; none | layer | batch, applied to the critic's (or the
  // auto-encoder's) norm slots: the layers where the architecture has a BatchNorm of its own
  // (dcgan28, dcgan28-allconv, dcgan32, the EBGAN form of ae28/ae32). Critics without one (mlp,
  // mlp-small, mlp-deep, toy, the BEGAN form) have no slot and stay as they are.
  std::string critic_norm = "";
  // "" = the architecture's own; "none" drops the BatchNorm of the dcgan28 / ae28 generator
  // (a generator whose output for a sample does not depend on the rest of the batch).
  std::string generator_norm = "";
  std::string ae_form = "ebgan";  // ae28/ae32: ebgan (BN+ReLU after the decoder FC) | began
  int64_t toy_depth = 3, toy_width = 512;
  int64_t base_width = 64;  // dcgan32 (and ae32's generator): G 4w-2w-w channels, D w-2w-4w
  uint64_t seed = 0;        // keys the masks of nets with Dropout (mlp-deep's critic)
  // Grid points stacked into this one net (models/pack_ops.h's layout): every input and output
  // holds K members' blocks in dimension 1 ([B, K*g_inputs] -> [B, K*C, H, W], ...). 1: unpacked.
  int64_t members = 1;
  // A packed net's members' seeds, one per member (mlp-deep's critic draws each member's
  // dropout masks from that member's own generator); empty: {seed}.
  std::vector<uint64_t> member_seeds;
};

// True when `arch` has a packed form (NetSpec.members > 1): every architecture has.
bool arch_packs(const std::string& arch);

// Throw std::invalid_argument naming the arch (and the data shape when it does not fit, e.g.
// "arch 'dcgan28-allconv' needs 28x28 images; the dataset gives 3x32x32 ...").
// Generators: ae28 uses dcgan28's, ae32 dcgan32's. make_critic rejects ae28/ae32 (their
// discriminator is make_autoencoder's); make_autoencoder accepts only them.
std::shared_ptr<GeneratorNet> make_generator(const NetSpec& spec);
std::shared_ptr<CriticNet> make_critic(const NetSpec& spec);
std::shared_ptr<AutoEncoderNet> make_autoencoder(const NetSpec& spec);

// Checks that the data shape fits the architecture (the generator's output shape), without
// building anything: "" when it fits, else the message.
std::string shape_error(const std::string& arch, int64_t channels, int64_t height, int64_t width);

// Architectures ganrun knows.
const std::vector<std::string>& arch_names();

// Keyed initialisation of a net built by the factory, by the architecture's own rule: `mlp`,
// `mlp-small`, `mlp-deep` and `toy` use PyTorch's default (init_default); the dcgan and ae
// families use the collection's (conv, deconv and linear weights N(0, 0.02), biases 0).
// `bn_init`: ones | uniform, the BatchNorm weights (models/init.h NormInit).
void init_net(torch::nn::Module& net, const std::string& arch, uint64_t seed, uint64_t net_index,
              const std::string& bn_init = "ones");

}  // namespace ganrun::models
