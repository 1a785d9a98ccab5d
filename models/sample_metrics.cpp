// models/sample_metrics.cpp — KID, precision / recall / density / coverage and the class
// statistics of models/sample_metrics.h.
#include "models/sample_metrics.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <ATen/ops/cdist.h>
#include <ATen/ops/randperm.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/frechet.h"

namespace ganrun::models {
namespace {

// cdist without the matrix-product shortcut: exact float64 distances, since the k-NN tests
// compare them strictly.
constexpr int64_t kExactDistances = 2;

torch::Tensor as_f64(const torch::Tensor& t) { return t.to(torch::kFloat64).contiguous(); }

void check_features(const torch::Tensor& a, const torch::Tensor& b, int64_t min_rows,
                    const char* what) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    throw std::invalid_argument(std::string(what) + ": expected [N, d] features of one width");
  if (a.size(0) < min_rows || b.size(0) < min_rows)
    throw std::invalid_argument(std::string(what) + ": needs at least " + std::to_string(min_rows) +
                                " rows in each set");
}

torch::Tensor distances(const torch::Tensor& a, const torch::Tensor& b) {
  return at::cdist(a, b, 2.0, kExactDistances);
}

// Distance from each row of x to its k-th nearest other row of x (itself excluded: the
// (k + 1)-th smallest distance, the first being its own 0), computed block by block.
torch::Tensor kth_neighbour_radius(const torch::Tensor& x, int64_t k, int64_t block_rows) {
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += block_rows) {
    const auto block = x.narrow(0, start, std::min(block_rows, x.size(0) - start));
    parts.push_back(std::get<0>(distances(block, x).kthvalue(k + 1, /*dim=*/1)));
  }
  return torch::cat(parts);
}

// k(x, y) = (x·y / d + 1)³ for every row of a against every row of b.
torch::Tensor polynomial_kernel(const torch::Tensor& a, const torch::Tensor& b) {
  return (torch::matmul(a, b.t()) / static_cast<double>(a.size(1)) + 1.0).pow(3);
}

double polynomial_kernel_sum(const torch::Tensor& a, const torch::Tensor& b, bool drop_diagonal) {
  auto k = polynomial_kernel(a, b);
  double sum = k.sum().item<double>();
  if (drop_diagonal) sum -= k.diagonal().sum().item<double>();
  return sum;
}

// Up to this many real x fake pairs (16 M: 128 MB a kernel matrix) KID computes the three
// kernel matrices once and sums each subset's blocks through 0/1 membership matrices, instead
// of three m x m x d products per subset (100 subsets of 1,000 rows: ~40 GMAC against ~1.5).
constexpr int64_t kWholeKernelElements = int64_t{1} << 24;

// Columns s of the result: 1 where row i of the set is in subset s. rows: [S, m].
torch::Tensor membership(const torch::Tensor& rows, int64_t n) {
  auto m = torch::zeros({n, rows.size(0)}, rows.options().dtype(torch::kFloat64));
  m.scatter_(0, rows.t(), 1.0);
  return m;
}

// Each subset's unbiased MMD² from whole kernel matrices: the sum of K over a block of rows
// and columns S x T is 1_S^T K 1_T, all subsets at once as (K M_T) * M_S summed over rows.
std::vector<double> subset_mmd2_from_whole_kernels(const torch::Tensor& a, const torch::Tensor& b,
                                                   const torch::Tensor& ra,
                                                   const torch::Tensor& rb) {
  const auto ma = membership(ra, a.size(0)), mb = membership(rb, b.size(0));
  const auto kaa = polynomial_kernel(a, a), kbb = polynomial_kernel(b, b);
  const auto kab = polynomial_kernel(a, b);
  const auto within_a = (kaa.matmul(ma) * ma).sum(0) - kaa.diagonal().matmul(ma);
  const auto within_b = (kbb.matmul(mb) * mb).sum(0) - kbb.diagonal().matmul(mb);
  const auto cross = (kab.matmul(mb) * ma).sum(0);
  const double m = static_cast<double>(ra.size(1));
  const auto mmd = (within_a + within_b) / (m * (m - 1)) - 2.0 * cross / (m * m);
  const auto cpu = mmd.cpu().contiguous();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

}  // namespace

double mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y) {
  check_features(x, y, 2, "mmd2_unbiased");
  const auto a = as_f64(x), b = as_f64(y);
  const double m = static_cast<double>(a.size(0)), n = static_cast<double>(b.size(0));
  return polynomial_kernel_sum(a, a, true) / (m * (m - 1)) +
         polynomial_kernel_sum(b, b, true) / (n * (n - 1)) -
         2.0 * polynomial_kernel_sum(a, b, false) / (m * n);
}

KidSubsets kid_subsets(int64_t n_real, int64_t n_fake, int64_t subset_size, int64_t subsets,
                       uint64_t seed) {
  if (subsets < 1 || subset_size < 2 || n_real < 2 || n_fake < 2)
    throw std::invalid_argument("kid_subsets: needs subsets >= 1, size >= 2 and 2 rows a set");
  const int64_t m = std::min({subset_size, n_real, n_fake});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto index = torch::TensorOptions().dtype(torch::kInt64);
  std::vector<torch::Tensor> real_rows, fake_rows;
  for (int64_t s = 0; s < subsets; ++s) {
    real_rows.push_back(at::randperm(n_real, gen, index).narrow(0, 0, m));
    fake_rows.push_back(at::randperm(n_fake, gen, index).narrow(0, 0, m));
  }
  return {torch::stack(real_rows), torch::stack(fake_rows), seed};
}

KidResult kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                    const KidSubsets& subsets) {
  check_features(real, fake, 2, "kernel_inception_distance");
  const auto& ra = subsets.real_rows;
  const auto& rb = subsets.fake_rows;
  if (ra.dim() != 2 || ra.sizes() != rb.sizes() || ra.size(0) < 1 || ra.size(1) < 2 ||
      ra.max().item<int64_t>() >= real.size(0) || rb.max().item<int64_t>() >= fake.size(0) ||
      ra.min().item<int64_t>() < 0 || rb.min().item<int64_t>() < 0)
    throw std::invalid_argument("kernel_inception_distance: subsets out of range");
  KidResult r;
  r.subset_size = ra.size(1);
  r.subsets = ra.size(0);
  r.seed = subsets.seed;
  const auto a = as_f64(real), b = as_f64(fake);
  std::vector<double> values;
  if (a.size(0) * b.size(0) <= kWholeKernelElements) {
    values = subset_mmd2_from_whole_kernels(a, b, ra.to(a.device()), rb.to(a.device()));
  } else {
    for (int64_t s = 0; s < r.subsets; ++s)
      values.push_back(mmd2_unbiased(a.index_select(0, ra[s].to(a.device())),
                                     b.index_select(0, rb[s].to(b.device()))));
  }
  double sum = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - r.mean) * (v - r.mean);
  r.std = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
  return r;
}

KidResult kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                    int64_t subset_size, int64_t subsets, uint64_t seed) {
  check_features(real, fake, 2, "kernel_inception_distance");
  return kernel_inception_distance(
      real, fake, kid_subsets(real.size(0), fake.size(0), subset_size, subsets, seed));
}

Prdc precision_recall_density_coverage(const torch::Tensor& real, const torch::Tensor& fake,
                                       int64_t k_pr, int64_t k_dc, int64_t block_rows) {
  if (k_pr < 1 || k_dc < 1 || block_rows < 1)
    throw std::invalid_argument("precision_recall_density_coverage: k and block must be >= 1");
  check_features(real, fake, std::max(k_pr, k_dc) + 1, "precision_recall_density_coverage");
  const auto r = as_f64(real), f = as_f64(fake.to(real.device()));
  const auto real_pr = kth_neighbour_radius(r, k_pr, block_rows);
  const auto real_dc = kth_neighbour_radius(r, k_dc, block_rows);
  const auto fake_pr = kth_neighbour_radius(f, k_pr, block_rows);

  int64_t precise = 0;
  double density_hits = 0;
  auto recalled = torch::zeros({r.size(0)}, r.options().dtype(torch::kBool));
  auto nearest_fake = torch::full({r.size(0)}, INFINITY, r.options());
  for (int64_t start = 0; start < f.size(0); start += block_rows) {
    const int64_t rows = std::min(block_rows, f.size(0) - start);
    const auto d = distances(f.narrow(0, start, rows), r);  // [rows, N_real]
    precise += (d < real_pr.unsqueeze(0)).any(1).sum().item<int64_t>();
    density_hits += (d < real_dc.unsqueeze(0)).sum().item<double>();
    recalled |= (d < fake_pr.narrow(0, start, rows).unsqueeze(1)).any(0);
    nearest_fake = torch::minimum(nearest_fake, std::get<0>(d.min(0)));
  }
  const double n_fake = static_cast<double>(f.size(0)), n_real = static_cast<double>(r.size(0));
  Prdc out;
  out.precision = static_cast<double>(precise) / n_fake;
  out.recall = recalled.sum().item<double>() / n_real;
  out.density = density_hits / (static_cast<double>(k_dc) * n_fake);
  out.coverage = (nearest_fake < real_dc).sum().item<double>() / n_real;
  return out;
}

ClassStatistics class_statistics(const torch::Tensor& probabilities) {
  if (probabilities.dim() != 2 || probabilities.size(0) == 0 || probabilities.size(1) < 2)
    throw std::invalid_argument("class_statistics: expected probabilities [N, C], N >= 1, C >= 2");
  const auto p = as_f64(probabilities).cpu();
  const int64_t n = p.size(0), classes = p.size(1);
  ClassStatistics s;
  s.histogram = torch::bincount(p.argmax(1), /*weights=*/{}, classes);
  const auto share = s.histogram.to(torch::kFloat64) / static_cast<double>(n);
  // A class is covered when it holds at least a fifth of its uniform share (2% of 10 classes).
  s.classes_covered = (share >= 0.2 / static_cast<double>(classes)).sum().item<int64_t>();
  const auto present = share > 0;
  s.kl_to_uniform = (share.masked_select(present) * (share.masked_select(present) * classes).log())
                        .sum()
                        .item<double>();
  // exp(E_x KL(p(y|x) || p(y))), with 0 log 0 = 0 wherever p(y|x) is 0.
  const auto marginal = p.mean(0, /*keepdim=*/true);
  const auto terms = torch::where(p > 0, p * (p / marginal).log(), torch::zeros_like(p));
  s.classifier_score = std::exp(terms.sum(1).mean().item<double>());
  return s;
}

SampleEvaluation evaluate_samples(const torch::Tensor& real_features,
                                  const torch::Tensor& fake_features,
                                  const torch::Tensor& fake_probabilities,
                                  const torch::Tensor& fake_labels, const MetricGroups& groups,
                                  const KidSettings& kid) {
  SampleEvaluation e;
  if (groups.fd) e.fd = frechet_distance(real_features, fake_features);
  if (groups.kid) {
    e.kid_rows = kid_subsets(real_features.size(0), fake_features.size(0), kid.subset_size,
                             kid.subsets, kid.seed);
    e.kid = kernel_inception_distance(real_features, fake_features, e.kid_rows);
  }
  if (groups.prdc) e.prdc = precision_recall_density_coverage(real_features, fake_features);
  if (groups.classes) {
    e.classes = class_statistics(fake_probabilities);
    if (fake_labels.defined())
      e.label_accuracy = fake_probabilities.argmax(1)
                             .cpu()
                             .eq(fake_labels.cpu())
                             .to(torch::kFloat64)
                             .mean()
                             .item<double>();
  }
  return e;
}

}  // namespace ganrun::models
