// models/pack_ops.cpp — the packed layout's helpers (see header).
#include "models/pack_ops.h"

#include <ATen/ATen.h>                 // at::baddbmm, at::cat, at::stack
#include <torch/nn/functional/loss.h>  // cross_entropy

#include <stdexcept>
#include <string>

namespace ganrun::models {
namespace {

// Parameters and floating-point buffers by name (integer buffers such as BatchNorm's
// num_batches_tracked count steps, which every member shares).
std::vector<std::pair<std::string, torch::Tensor>> state_of(torch::nn::Module& net) {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  for (const auto& item : net.named_parameters()) state.emplace_back(item.key(), item.value());
  for (const auto& item : net.named_buffers())
    if (item.value().is_floating_point()) state.emplace_back(item.key(), item.value());
  return state;
}

}  // namespace

torch::Tensor packed_linear(torch::nn::Linear& fc, const torch::Tensor& x, int64_t members) {
  if (members == 1) return fc(x);
  const int64_t rows = x.size(0);
  const auto& w = fc->weight;  // [K*out, in]
  const int64_t out = w.size(0) / members, in = w.size(1);
  // W_k x_k^T as [K, out, B]: the weight's gradient then comes out in the weight's own layout
  // ([K, out, in], contiguous). x_k W_k^T as [K, B, out] made it as [K, in, out] and copied it
  // transposed, which measured 3x slower than K separate linear layers on the CPU.
  // [K, in, B], made contiguous: MKL's batched product copies a strided operand per call, and
  // one copy here measured 25% faster on the toy pair's 512-wide layers.
  const auto xs = x.reshape({rows, members, in}).permute({1, 2, 0}).contiguous();
  auto y = at::bmm(w.view({members, out, in}), xs).permute({2, 0, 1});  // [B, K, out]
  if (fc->bias.defined()) y = y + fc->bias.view({members, out});
  return y.reshape({rows, members * out});
}

torch::Tensor member_mean(const torch::Tensor& x, int64_t members) {
  if (members == 1) return x.mean();
  return member_rows(x, members).mean(at::IntArrayRef{0, 2});
}

torch::Tensor member_rows(const torch::Tensor& x, int64_t members) {
  return x.reshape({x.size(0), members, -1});
}

torch::Tensor join_member_draws(const std::vector<torch::Tensor>& draws) {
  if (draws.size() == 1) return draws.front();
  return draws.front().dim() == 1 ? at::stack(draws, 1) : at::cat(draws, 1);
}

torch::Tensor join_member_features(const torch::Tensor& a, const torch::Tensor& b,
                                   int64_t members) {
  if (members == 1) return at::cat({a, b}, 1);
  // [B, K, A, ...] ++ [B, K, C, ...] along the per-member dimension.
  auto split = [members](const torch::Tensor& t) {
    std::vector<int64_t> shape{t.size(0), members, t.size(1) / members};
    for (int64_t d = 2; d < t.dim(); ++d) shape.push_back(t.size(d));
    return t.reshape(shape);
  };
  auto joined = at::cat({split(a), split(b)}, 2);
  std::vector<int64_t> shape{a.size(0), a.size(1) + b.size(1)};
  for (int64_t d = 2; d < a.dim(); ++d) shape.push_back(a.size(d));
  return joined.reshape(shape);
}

torch::Tensor member_columns(const torch::Tensor& x, int64_t offset, int64_t length,
                             int64_t members) {
  if (members == 1) return x.narrow(1, offset, length);
  return member_rows(x, members).narrow(2, offset, length).reshape({x.size(0), members * length});
}

torch::Tensor member_cross_entropy(const torch::Tensor& logits, const torch::Tensor& labels,
                                   int64_t members) {
  namespace F = torch::nn::functional;
  if (members == 1) return F::cross_entropy(logits, labels);
  // [B, K, C] -> [B, C, K]: cross_entropy's class dimension is 1; per element [B, K].
  const auto per_sample = F::cross_entropy(member_rows(logits, members).transpose(1, 2), labels,
                                           F::CrossEntropyFuncOptions().reduction(torch::kNone));
  return per_sample.mean(0);
}

torch::Tensor member_accuracy(const torch::Tensor& logits, const torch::Tensor& labels,
                              int64_t members) {
  if (members == 1) return logits.argmax(1).eq(labels).to(torch::kFloat64).mean();
  return member_rows(logits, members).argmax(2).eq(labels).to(torch::kFloat64).mean(0);
}

void stack_nets(torch::nn::Module& packed, const std::vector<torch::nn::Module*>& members) {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> member_states;
  for (auto* m : members) member_states.push_back(state_of(*m));
  const auto target = state_of(packed);
  for (size_t i = 0; i < target.size(); ++i) {
    const auto& [name, tensor] = target[i];
    std::vector<torch::Tensor> parts;
    for (const auto& state : member_states) {
      if (i >= state.size() || state[i].first != name)
        throw std::invalid_argument("stack_nets: member nets do not match the packed net at '" +
                                    name + "'");
      parts.push_back(state[i].second);
    }
    if (tensor.dim() == 0) {  // a step counter (BatchNorm's, once converted): the same in all
      tensor.copy_(parts.front());
      continue;
    }
    const auto joined = at::cat(parts, 0);
    if (joined.sizes() != tensor.sizes())
      throw std::invalid_argument("stack_nets: '" + name + "' stacks to another shape than the " +
                                  "packed net's");
    tensor.copy_(joined);
  }
}

void copy_member_slice(torch::nn::Module& packed, int64_t member, int64_t members,
                       torch::nn::Module& into) {
  torch::NoGradGuard no_grad;
  const auto from = state_of(packed);
  const auto to = state_of(into);
  if (from.size() != to.size())
    throw std::invalid_argument("copy_member_slice: the member net does not match the packed net");
  for (size_t i = 0; i < from.size(); ++i) {
    const auto& t = from[i].second;
    if (t.dim() == 0) {  // shared by every member
      to[i].second.copy_(t);
      continue;
    }
    const int64_t rows = t.size(0) / members;
    to[i].second.copy_(t.narrow(0, member * rows, rows));
  }
}

}  // namespace ganrun::models
