// models/init.h — parameter initialisation from the run's own generator. LibTorch's module
// constructors draw from the global default generator; ganrun redraws every parameter from a
// generator keyed by (seed, purpose, net) so runs are reproducible whatever else the process did.
// Draws are made in float64 on the CPU (device- and dtype-independent), then copied into the
// module. Both rules throw std::logic_error on a module with parameters they do not know.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <string>

namespace ganrun::models {

// BatchNorm weights (gamma) at initialisation: 1 (PyTorch >= 1.2) or U(0, 1) (PyTorch <= 1.1,
// which the collection ran under: 0.4's _BatchNorm.reset_parameters called weight.uniform_()).
// The U(0, 1) draws come from a generator of their own (key step 1), so switching this changes
// the BatchNorm weights and nothing else.
enum class NormInit { kOnes, kUniform };
NormInit parse_norm_init(const std::string& name);  // ones | uniform

// PyTorch's default Linear and Conv2d init with the run's generator: weight and bias
// ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); BatchNorm and LayerNorm weight 1, bias 0, running stats
// reset.
void init_default(torch::nn::Module& module, uint64_t seed, uint64_t net_index,
                  NormInit norm_init = NormInit::kOnes);

// The reference collection's utils.initialize_weights with the run's generator: Conv2d,
// ConvTranspose2d and Linear weights ~ N(0, 0.02), biases 0. The collection leaves BatchNorm
// at the framework's default, which is weight 1, bias 0 since PyTorch 1.0 (PyTorch <= 0.4, the
// collection's 2017 era, drew BatchNorm weights from U(0, 1)); LayerNorm likewise 1 and 0.
void init_collection(torch::nn::Module& module, uint64_t seed, uint64_t net_index,
                     NormInit norm_init = NormInit::kOnes);

}  // namespace ganrun::models
