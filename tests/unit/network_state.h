// tests/unit/network_state.h — a variant's whole trained state as one vector, for the tests
// that compare two ways of training the same run (packed vs alone, graph tape vs eager).
#pragma once

#include <torch/types.h>

#include <vector>

#include "models/variant.h"

namespace ganrun::test {

// Every parameter and floating-point buffer of every network, flattened into one float64
// vector (network order, then parameters before buffers, in registration order).
inline torch::Tensor all_state(models::Variant& v) {
  std::vector<torch::Tensor> parts;
  for (const auto& net : v.networks()) {
    for (const auto& p : net->parameters()) parts.push_back(p.detach().flatten());
    for (const auto& b : net->buffers())
      if (b.is_floating_point()) parts.push_back(b.detach().flatten());
  }
  return torch::cat(parts).to(torch::kFloat64);
}

}  // namespace ganrun::test
