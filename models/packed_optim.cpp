// models/packed_optim.cpp — the packed optimiser (see header).
#include "models/packed_optim.h"

#include <ATen/ATen.h>  // at::mul_out, at::sqrt_out, at::div_out
#include <torch/optim/adam.h>

#include <algorithm>
#include <stdexcept>

namespace ganrun::models {
namespace {

constexpr double kEps = 1e-8;  // LibTorch's Adam and RMSprop default, which ganrun keeps

}  // namespace

PackedOptimizer::PackedOptimizer(std::vector<torch::Tensor> params,
                                 std::vector<OptimizerConfig> members)
    : torch::optim::Optimizer(std::move(params), std::make_unique<torch::optim::AdamOptions>()),
      members_(std::move(members)) {
  const auto& kind = members_.front().kind;
  if (kind != "adam" && kind != "rmsprop" && kind != "sgd")
    throw std::invalid_argument("unknown optimizer '" + kind + "' (known: adam, rmsprop, sgd)");
}

torch::Tensor PackedOptimizer::per_member(const std::vector<double>& values,
                                          const torch::Tensor& like) const {
  return torch::tensor(values, torch::TensorOptions().dtype(torch::kFloat64))
      .to(like.options())
      .reshape({-1, 1});
}

void PackedOptimizer::prepare(const torch::Tensor& like) {
  if (lr_.defined()) return;
  std::vector<double> lr, b1, b2;
  for (const auto& m : members_) {
    lr.push_back(m.lr);
    b1.push_back(m.beta1);
    b2.push_back(m.beta2);
  }
  lr_ = per_member(lr, like);
  beta1_ = per_member(b1, like);
  beta2_ = per_member(b2, like);
  one_minus_beta1_ = 1.0 - beta1_;
  one_minus_beta2_ = 1.0 - beta2_;
  steps_ = torch::zeros({}, like.options());
  active_ =
      torch::ones({static_cast<int64_t>(members_.size()), 1}, like.options().dtype(torch::kBool));
}

void PackedOptimizer::freeze(int64_t member) {
  if (!active_.defined()) prepare(param_groups().front().params().front());
  active_[member].fill_(false);
  any_frozen_ = true;
}

torch::Tensor PackedOptimizer::learning_rates() {
  if (!lr_.defined()) prepare(param_groups().front().params().front());
  return lr_;
}

void PackedOptimizer::save(torch::serialize::OutputArchive& archive) const {
  if (!lr_.defined()) return;  // no step yet, nothing changed: a fresh optimiser equals it
  archive.write("lr", lr_);
  archive.write("steps", steps_);
  archive.write("active", active_);
  archive.write("host_steps", torch::tensor(host_steps_, torch::kInt64));
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].first.defined()) archive.write("first" + std::to_string(i), slots_[i].first);
    if (slots_[i].second.defined()) archive.write("second" + std::to_string(i), slots_[i].second);
  }
}

void PackedOptimizer::load(torch::serialize::InputArchive& archive) {
  torch::Tensor lr;
  if (!archive.try_read("lr", lr)) return;
  torch::NoGradGuard no_grad;
  const auto& params = param_groups().front().params();
  prepare(params.front());
  lr_.copy_(lr);
  // A fresh tensor per read: reading into a defined tensor re-points its storage.
  auto read = [&archive](const char* key) {
    torch::Tensor t;
    archive.read(key, t);
    return t;
  };
  steps_.copy_(read("steps"));
  active_.copy_(read("active"));
  any_frozen_ = !active_.all().item<bool>();
  host_steps_ = read("host_steps").item<int64_t>();
  slots_.assign(params.size(), Slot{});
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor first, second;
    if (archive.try_read("first" + std::to_string(i), first)) slots_[i].first = first;
    if (archive.try_read("second" + std::to_string(i), second)) slots_[i].second = second;
  }
}

torch::Tensor PackedOptimizer::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) loss = closure();
  const auto& params = param_groups().front().params();
  if (params.empty()) return loss;
  prepare(params.front());
  if (slots_.empty()) slots_.resize(params.size());
  const OptimizerConfig& c = members_.front();
  const int64_t k = static_cast<int64_t>(members_.size());
  ++host_steps_;
  steps_.add_(1.0);
  // Adam's step lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), as (lr sqrt(bc2) / bc1) * m /
  // (sqrt(v) + eps sqrt(bc2)): the same quantity with the per-member factors [K, 1] computed
  // once, two passes over each parameter fewer (bc: the bias corrections, from the device-side
  // step count).
  torch::Tensor neg_step, eps_hat;
  if (c.kind == "adam") {
    const auto bias2_root = (1.0 - beta2_.pow(steps_)).sqrt();
    neg_step = -lr_ * bias2_root / (1.0 - beta1_.pow(steps_));
    eps_hat = kEps * bias2_root;
  }
  // One scratch buffer for every parameter's temporaries: the updates are written in place
  // (no per-step allocation of parameter-sized tensors; on the CPU those page faults and extra
  // passes cost more than the nets' matrix products at small batches).
  int64_t largest = 0;
  for (const auto& p : params) largest = std::max(largest, p.numel());
  if (!scratch_.defined() || scratch_.numel() < largest)
    scratch_ = torch::empty({largest}, params.front().options());
  const auto frozen = any_frozen_ ? active_.logical_not() : torch::Tensor();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (!p.grad().defined()) continue;
    const auto w = p.view({k, -1});
    auto g = p.grad().view({k, -1});
    if (c.weight_decay != 0.0) g = g + c.weight_decay * w;
    Slot& s = slots_[i];
    auto scratch = scratch_.narrow(0, 0, p.numel()).view({k, -1});
    if (c.kind == "adam") {
      if (!s.first.defined()) {
        s.first = torch::zeros_like(w);
        s.second = torch::zeros_like(w);
      }
      s.first.mul_(beta1_).addcmul_(g, one_minus_beta1_);
      at::mul_out(scratch, g, one_minus_beta2_);
      s.second.mul_(beta2_).addcmul_(scratch, g);
      at::sqrt_out(scratch, s.second).add_(eps_hat);
      at::div_out(scratch, s.first, scratch);
    } else if (c.kind == "rmsprop") {
      if (!s.first.defined()) s.first = torch::zeros_like(w);
      s.first.mul_(c.alpha).addcmul_(g, g, 1.0 - c.alpha);
      at::sqrt_out(scratch, s.first).add_(kEps);
      if (c.momentum > 0.0) {
        if (!s.second.defined()) s.second = torch::zeros_like(w);
        s.second.mul_(c.momentum).addcdiv_(g, scratch);
        at::mul_out(scratch, s.second, lr_);
      } else {
        at::div_out(scratch, g, scratch);
        scratch.mul_(lr_);
      }
    } else {  // sgd
      torch::Tensor direction = g;
      if (c.momentum != 0.0) {
        if (host_steps_ == 1 || !s.first.defined())
          s.first = g.clone();
        else
          s.first.mul_(c.momentum).add_(g);
        direction = s.first;
      }
      at::mul_out(scratch, direction, lr_);
    }
    // A frozen member's step is zero (masked, so a NaN step cannot leak in).
    if (any_frozen_) scratch.masked_fill_(frozen, 0.0);
    if (c.kind == "adam")
      w.addcmul_(scratch, neg_step);
    else
      w.sub_(scratch);
  }
  return loss;
}

}  // namespace ganrun::models
