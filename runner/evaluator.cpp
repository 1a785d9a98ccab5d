// runner/evaluator.cpp — one evaluation of a generator against a reference net (see header).
#include "runner/evaluator.h"

#include <fmt/format.h>

#include <algorithm>

#include "models/run_random.h"
#include "runner/config_error.h"
#include "runner/train_loop.h"  // to_uint8_images

namespace ganrun {
namespace {

constexpr uint64_t kKidSeed = 0;  // the subsets are the same at every evaluation point

// Images sample() returns per noise row: 1, or the class count of a class-by-noise grid.
int64_t images_per_row(models::Variant& v) { return v.samples_per_grid() / v.fixed_noise_rows(); }

}  // namespace

std::vector<std::string> eval_metric_names(const std::string& net, bool conditional) {
  std::vector<std::string> names{
      "fd_" + net, "kid_" + net, "kid_" + net + "_std", "precision",       "recall",
      "density",   "coverage",   "classifier_score",    "classes_covered", "kl_uniform"};
  if (conditional) names.push_back("label_accuracy");
  return names;
}

SampleEvaluator::SampleEvaluator(std::shared_ptr<const LoadedReference> reference,
                                 const RunSettings& settings, int64_t samples, torch::Device device,
                                 models::MetricGroups groups, launch::GroupCollectives* group,
                                 int group_rank)
    : reference_(std::move(reference)),
      settings_(settings),
      samples_(samples),
      device_(device),
      groups_(groups),
      group_(group),
      group_rank_(group_rank) {
  const int64_t held_out = reference_->eval_images.size(0);
  if (samples_ < 10 || samples_ > held_out)
    throw ConfigError(fmt::format(
        "eval_samples {} must be between 10 and the {} held-out images of reference {} ({}); "
        "lower eval_samples",
        samples_, held_out, reference_->net_name, reference_->file.string()));
  kid_.subset_size = std::min<int64_t>(1000, samples_);
  kid_.subsets = 100;
  kid_.seed = kKidSeed;
  real_features_ =
      models::classify(*reference_->net, reference_->eval_images.narrow(0, 0, samples_)).features;
}

EvalValues SampleEvaluator::metrics(const torch::Tensor& real_features,
                                    const torch::Tensor& fake_features,
                                    const torch::Tensor& fake_probabilities,
                                    const torch::Tensor& fake_labels, EvalTensors* tensors) const {
  const auto e = models::evaluate_samples(real_features, fake_features, fake_probabilities,
                                          fake_labels, groups_, kid_);
  const bool conditional = fake_labels.defined();
  const auto names = eval_metric_names(reference_->net_name, conditional);
  const std::vector<double> numbers{
      e.fd,
      e.kid.mean,
      e.kid.std,
      e.prdc.precision,
      e.prdc.recall,
      e.prdc.density,
      e.prdc.coverage,
      e.classes.classifier_score,
      groups_.classes ? static_cast<double>(e.classes.classes_covered) : NAN,
      e.classes.kl_to_uniform,
      e.label_accuracy};
  EvalValues out;
  for (size_t i = 0; i < names.size(); ++i) out.values.emplace_back(names[i], numbers[i]);
  if (e.classes.histogram.defined()) {
    const auto h = e.classes.histogram.to(torch::kInt64).contiguous();
    out.class_histogram.assign(h.data_ptr<int64_t>(), h.data_ptr<int64_t>() + h.numel());
  }
  if (tensors != nullptr) tensors->kid_rows = e.kid_rows;
  return out;
}

EvalValues SampleEvaluator::evaluate(models::Variant& variant, EvalTensors* tensors) {
  torch::NoGradGuard no_grad;
  const int64_t per_row = images_per_row(variant);
  const int64_t rows = (samples_ + per_row - 1) / per_row;
  generated_ = rows * per_row;
  const int64_t chunk_rows = std::max<int64_t>(1, kEvalChunkImages / per_row);
  const auto dtype = settings_.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  const auto z = models::draw_z(rows, settings_.z_dim, static_cast<uint64_t>(settings_.seed), 0,
                                models::Purpose::kEval, 0, models::parse_z_dist(settings_.z_dist),
                                torch::TensorOptions().dtype(dtype).device(device_));
  const int64_t ranks = group_ != nullptr ? group_->size() : 1;
  const int64_t width = reference_->net->feature_width();
  const int64_t classes = manifest_int(reference_->manifest, "classes");
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64).device(device_);
  // This rank's rows of features | probabilities; zeros elsewhere, so a sum gathers them.
  auto gathered = torch::zeros({generated_, width + classes}, f64);
  std::vector<torch::Tensor> images;
  for (int64_t chunk = 0, first = 0; first < rows; ++chunk, first += chunk_rows) {
    if (chunk % ranks != group_rank_) continue;
    const int64_t n = std::min(chunk_rows, rows - first);
    const auto u8 = to_uint8_images(variant.sample(z.narrow(0, first, n)), settings_.pixel_range);
    const auto c = models::classify(*reference_->net, u8);
    gathered.narrow(0, first * per_row, n * per_row)
        .copy_(torch::cat({c.features, c.probabilities}, 1).to(device_));
    if (tensors != nullptr) images.push_back(u8.cpu());
  }
  if (ranks > 1) group_->sum_in_place(gathered);
  const auto fake_features = gathered.narrow(1, 0, width);
  const auto fake_probabilities = gathered.narrow(1, width, classes);
  // Entry e of a class-by-noise grid was asked for class e % C (models/conditional.h).
  torch::Tensor labels;
  if (per_row > 1 && models::needs_labels(settings_.variant))
    labels = torch::arange(generated_, torch::kInt64) % per_row;
  const auto real = real_features_.to(device_);
  EvalValues out = metrics(real, fake_features, fake_probabilities, labels, tensors);
  if (tensors != nullptr) {
    tensors->real_features = real.cpu();
    tensors->fake_features = fake_features.cpu();
    tensors->fake_probabilities = fake_probabilities.cpu();
    tensors->fake_images = images.empty() ? torch::Tensor() : torch::cat(images);
    tensors->fake_labels = labels.defined() ? labels : torch::full({generated_}, -1, torch::kInt64);
    tensors->real_indices = reference_->eval_indices.narrow(0, 0, samples_).clone();
  }
  return out;
}

std::optional<EvalValues> SampleEvaluator::real_floor() {
  const auto& held_out = reference_->eval_images;
  if (held_out.size(0) < 2 * samples_) return std::nullopt;
  const auto second = models::classify(*reference_->net, held_out.narrow(0, samples_, samples_));
  return metrics(real_features_, second.features, second.probabilities, torch::Tensor(), nullptr);
}

AttrMap SampleEvaluator::attrs() const {
  const auto& m = reference_->manifest;
  return AttrMap{
      {"reference_net", reference_->net_name},
      {"reference_sha256", reference_->sha256},
      {"reference_file", reference_->file.filename().string()},
      {"reference_dataset", manifest_text(m, "dataset")},
      {"reference_train_split", manifest_text(m, "train_split")},
      {"reference_accuracy", manifest_real(m, "test_accuracy")},
      {"real_split", manifest_text(m, "eval_split")},
      {"real_samples", samples_},
      {"kid_subset_size", kid_.subset_size},
      {"kid_subsets", kid_.subsets},
      {"kid_seed", static_cast<int64_t>(kid_.seed)},
      {"k_pr", int64_t{3}},
      {"k_dc", int64_t{5}},
  };
}

}  // namespace ganrun
