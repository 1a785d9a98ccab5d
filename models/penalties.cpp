// models/penalties.cpp — gradient penalties, their evaluation points and weight clipping (see
// header).
#include "models/penalties.h"

#include <torch/autograd.h>                  // torch::autograd::grad
#include <torch/nn/modules/batchnorm.h>      // BatchNorm1dImpl, BatchNorm2dImpl
#include <torch/nn/modules/instancenorm.h>   // InstanceNorm1dImpl, InstanceNorm2dImpl
#include <torch/nn/modules/normalization.h>  // LayerNormImpl, GroupNormImpl

#include <stdexcept>
#include <vector>

#include "models/pack_ops.h"
#include "models/run_random.h"

namespace ganrun::models {
namespace {

// [B] -> [B, 1, ..., 1] with as many trailing ones as `like` has per-sample dimensions.
torch::Tensor per_sample(const torch::Tensor& a, const torch::Tensor& like) {
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = a.size(0);
  return a.reshape(shape);
}

// a [B, K] times each member's block of x [B, K*F...], in x's shape.
torch::Tensor scale_members(const torch::Tensor& a, const torch::Tensor& x) {
  const int64_t k = a.size(1);
  return (a.reshape({a.size(0), k, 1}) * member_rows(x, k)).view(x.sizes());
}

std::vector<int64_t> sample_shape(const torch::Tensor& x) {
  return std::vector<int64_t>(x.sizes().begin() + 1, x.sizes().end());
}

// Scale and shift of a normalisation layer are not "weights" for `clip: weights`.
bool is_normalisation(torch::nn::Module& m) {
  return m.as<torch::nn::BatchNorm1dImpl>() != nullptr ||
         m.as<torch::nn::BatchNorm2dImpl>() != nullptr ||
         m.as<torch::nn::LayerNormImpl>() != nullptr ||
         m.as<torch::nn::GroupNormImpl>() != nullptr ||
         m.as<torch::nn::InstanceNorm1dImpl>() != nullptr ||
         m.as<torch::nn::InstanceNorm2dImpl>() != nullptr;
}

}  // namespace

torch::Tensor input_gradient_norms(const CriticFn& critic, const torch::Tensor& x,
                                   int64_t members) {
  auto out = critic(x);
  // Gradient of the sum of outputs: sample i's rows only depend on D(x_i) (and, packed, each
  // member's block only on that member's output).
  auto grads = torch::autograd::grad({out}, {x}, {torch::ones_like(out)},
                                     /*retain_graph=*/true, /*create_graph=*/true)[0];
  if (members == 1) return grads.flatten(1).norm(2, 1);
  return member_rows(grads, members).norm(2, 2);
}

torch::Tensor unit_gradient_penalty(const torch::Tensor& norms, double lambda, int64_t members) {
  return lambda * member_mean((norms - 1.0).square(), members);
}

torch::Tensor interpolate(const torch::Tensor& real, const torch::Tensor& fake,
                          const torch::Tensor& a) {
  // G's output may be flat where the data is [B, C, H, W] (or the reverse for toy points):
  // mix in the data's shape, or broadcasting would build a [B, 1, B, ...] tensor.
  const auto fake_like = fake.reshape_as(real);
  if (members_of(a) > 1) return scale_members(a, real) + scale_members(1.0 - a, fake_like);
  const auto w = per_sample(a, real);
  return w * real + (1.0 - w) * fake_like;
}

DraganPoints dragan_perturb(const torch::Tensor& x, const torch::Tensor& std,
                            const torch::Tensor& a, const torch::Tensor& u) {
  DraganPoints p;
  if (members_of(a) > 1) {
    // std [K]: each member's block perturbed by its own spread.
    const auto spread = std.reshape({1, -1}).expand({x.size(0), -1});
    p.perturbed = x + 0.5 * scale_members(spread, u);
    p.points = x + scale_members(a, p.perturbed - x);
    return p;
  }
  p.perturbed = x + 0.5 * std * u;
  p.points = x + per_sample(a, x) * (p.perturbed - x);
  return p;
}

torch::Tensor global_batch_std(const BatchReducer& reducer, const torch::Tensor& x,
                               int64_t members) {
  torch::NoGradGuard no_grad;
  if (members > 1) {
    // Per member: sums over its block of every sample, [3, K].
    const auto rows = member_rows(x, members).to(torch::kFloat64);
    const auto count = static_cast<double>(rows.size(0) * rows.size(2));
    const auto local =
        torch::stack({rows.sum(at::IntArrayRef{0, 2}), rows.square().sum(at::IntArrayRef{0, 2}),
                      torch::full({members}, count, rows.options())});
    const auto total = reducer.sum(local);
    const auto variance = (total[1] - total[0].square() / total[2]) / (total[2] - 1.0);
    return variance.clamp_min(0.0).sqrt().to(x.scalar_type());
  }
  // float64 sums: sum of squares minus the squared sum over ~1e5 elements in float32 would
  // lose the digits the difference keeps.
  const auto local = torch::stack(
      {x.sum(torch::kFloat64), x.square().sum(torch::kFloat64),
       torch::full({}, static_cast<double>(x.numel()), x.options().dtype(torch::kFloat64))});
  const auto total = reducer.sum(local);
  const auto n = total[2];
  const auto variance = (total[1] - total[0].square() / n) / (n - 1.0);
  return variance.clamp_min(0.0).sqrt().to(x.scalar_type());
}

uint64_t factor_sub(int64_t critic_iter) { return 2 * static_cast<uint64_t>(critic_iter); }
uint64_t perturbation_sub(int64_t critic_iter) { return factor_sub(critic_iter) + 1; }

torch::Tensor draw_sample_factors(const NoiseSource& noise, int64_t step, int64_t critic_iter,
                                  const torch::Tensor& like) {
  const auto a = noise.uniform01(step, static_cast<uint64_t>(Purpose::kInterpolation),
                                 factor_sub(critic_iter), {});
  return a.to(like.options());
}

torch::Tensor wgan_gp_points(const torch::Tensor& real, const torch::Tensor& fake,
                             const NoiseSource& noise, int64_t step, int64_t critic_iter) {
  const auto a = draw_sample_factors(noise, step, critic_iter, real);
  return interpolate(real.detach(), fake.detach(), a).requires_grad_(true);
}

DraganPoints dragan_points(const torch::Tensor& x, const BatchReducer& reducer,
                           const NoiseSource& noise, int64_t step, int64_t critic_iter) {
  const auto a = draw_sample_factors(noise, step, critic_iter, x);
  auto shape = sample_shape(x);  // packed: a member's shape, drawn once per member
  shape[0] /= noise.members();
  const auto u = noise
                     .uniform01(step, static_cast<uint64_t>(Purpose::kInterpolation),
                                perturbation_sub(critic_iter), shape)
                     .to(x.options());
  auto p = dragan_perturb(x.detach(), global_batch_std(reducer, x, members_of(a)), a, u);
  p.points = p.points.detach().requires_grad_(true);
  return p;
}

// ---- weight clipping ------------------------------------------------------------------------

ClipForm parse_clip_form(const std::string& name) {
  if (name == "weights") return ClipForm::kWeights;
  if (name == "all") return ClipForm::kAll;
  throw std::invalid_argument("unknown clip '" + name + "' (known: weights, all)");
}

std::vector<torch::Tensor> clipped_parameters(torch::nn::Module& critic, ClipForm form) {
  if (form == ClipForm::kAll) return critic.parameters();
  std::vector<torch::Tensor> weights;
  for (const auto& module : critic.modules(/*include_self=*/true)) {
    if (is_normalisation(*module)) continue;
    for (const auto& item : module->named_parameters(/*recurse=*/false))
      if (item.key() == "weight") weights.push_back(item.value());
  }
  return weights;
}

void clip_in_place(const std::vector<torch::Tensor>& params, double c) {
  torch::NoGradGuard no_grad;
  for (const auto& p : params) p.clamp_(-c, c);
}

std::pair<torch::Tensor, torch::Tensor> parameter_range(const std::vector<torch::Tensor>& params,
                                                        int64_t members) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> mins, maxs;
  for (const auto& p : params) {
    if (members == 1) {
      mins.push_back(p.min());
      maxs.push_back(p.max());
    } else {  // member k's block of the leading dimension
      mins.push_back(p.reshape({members, -1}).amin(1));
      maxs.push_back(p.reshape({members, -1}).amax(1));
    }
  }
  if (members == 1) return {torch::stack(mins).min(), torch::stack(maxs).max()};
  return {torch::stack(mins).amin(0), torch::stack(maxs).amax(0)};
}

}  // namespace ganrun::models
