// models/init.h — parameter initialisation from the run's own generator. LibTorch's module
// constructors draw from the global default generator; ganrun redraws every parameter from a
// generator keyed by (seed, purpose, net) so runs are reproducible whatever else the process did.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>

namespace ganrun::models {

// PyTorch's default Linear init with the run's generator: weight and bias ~ U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)); BatchNorm weight 1, bias 0, running stats reset. Draws in float64 on the CPU
// (device- and dtype-independent), then copies into the module.
void init_default(torch::nn::Module& module, uint64_t seed, uint64_t net_index);

}  // namespace ganrun::models
