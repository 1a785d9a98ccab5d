// launch/gradient_allreduce.cpp — bucketed gradient averaging (see header).
#include "launch/gradient_allreduce.h"

#include <ATen/ops/cat.h>
#include <torch/csrc/autograd/grad_mode.h>  // torch::NoGradGuard

#include <chrono>

namespace ganrun::launch {

std::vector<std::vector<size_t>> bucket_plan(const std::vector<torch::Tensor>& tensors,
                                             int64_t bucket_bytes) {
  std::vector<std::vector<size_t>> buckets;
  int64_t filled = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    const int64_t bytes = t.numel() * t.element_size();
    const bool fits = !buckets.empty() && filled + bytes <= bucket_bytes &&
                      tensors[buckets.back().front()].scalar_type() == t.scalar_type() &&
                      tensors[buckets.back().front()].device() == t.device();
    if (!fits) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(i);
    filled += bytes;
  }
  return buckets;
}

void for_each_flat_bucket(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes,
                          const std::function<void(torch::Tensor& flat)>& reduce) {
  torch::NoGradGuard no_grad;
  for (const auto& bucket : bucket_plan(tensors, bucket_bytes)) {
    std::vector<torch::Tensor> pieces;
    pieces.reserve(bucket.size());
    for (size_t i : bucket) pieces.push_back(tensors[i].reshape({-1}));
    auto flat = at::cat(pieces);  // a fresh contiguous buffer, even for a single piece
    reduce(flat);
    int64_t offset = 0;
    for (size_t i : bucket) {
      const auto& t = tensors[i];
      t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

void GradientAllreducer::average(const std::vector<torch::Tensor>& parameters) {
  std::vector<torch::Tensor> grads;
  grads.reserve(parameters.size());
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  const double scale = 1.0 / collectives_.size();
  for_each_flat_bucket(grads, bucket_bytes_, [&](torch::Tensor& flat) {
    const auto start = std::chrono::steady_clock::now();
    collectives_.sum_in_place(flat);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++collectives_issued_;
    flat.mul_(scale);
  });
}

}  // namespace ganrun::launch
