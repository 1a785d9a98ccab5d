// models/sample_metrics.h — sample-quality metrics on feature vectors (issue 22's evaluation
// builds on them; the Fréchet distance is models/frechet.h): the kernel inception distance,
// precision / recall (Kynkäänniemi et al. 2019) and density / coverage (Naeem et al. 2020) on
// k-NN balls, and the statistics of a classifier's predictions on generated samples (classes
// covered, KL to uniform, the Inception-Score formula). Everything is computed in float64 on
// the inputs' device, distances in blocks of rows so memory stays O(block x N). No files, no
// ranks.
#pragma once

#include <torch/types.h>

#include <cmath>  // NAN
#include <cstdint>

namespace ganrun::models {

// Unbiased MMD² between the rows of x [m, d] and y [n, d] (m, n >= 2) with the polynomial
// kernel k(a, b) = (a·b / d + 1)³: the within-set means leave out the diagonal.
double mmd2_unbiased(const torch::Tensor& x, const torch::Tensor& y);

struct KidResult {
  double mean = 0;          // mean of the subsets' MMD²
  double std = 0;           // their standard deviation (subsets overlap: not a standard error)
  int64_t subset_size = 0;  // rows drawn from each set per subset (without replacement)
  int64_t subsets = 0;
  uint64_t seed = 0;  // of the CPU generator that drew the subsets
};

// The rows each KID subset takes: `subsets` x min(subset_size, n_real, n_fake) rows of each set,
// drawn without replacement (per subset one permutation of the real rows, then one of the
// fake rows) from a CPU generator seeded with `seed`. int64 [subsets, m] each, on the CPU.
struct KidSubsets {
  torch::Tensor real_rows;
  torch::Tensor fake_rows;
  uint64_t seed = 0;
};
KidSubsets kid_subsets(int64_t n_real, int64_t n_fake, int64_t subset_size, int64_t subsets,
                       uint64_t seed);

// KID: MMD² over the given subsets. std::invalid_argument for fewer than 2 rows, differing
// widths, no subsets or rows out of range.
KidResult kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                    const KidSubsets& subsets);
// The same with kid_subsets(rows of real, rows of fake, subset_size, subsets, seed).
KidResult kernel_inception_distance(const torch::Tensor& real, const torch::Tensor& fake,
                                    int64_t subset_size, int64_t subsets, uint64_t seed);

// Precision and recall with k_pr-NN balls, density and coverage with k_dc-NN balls; a
// point's ball is the distance to its k-th nearest neighbour in its own set, itself excluded.
// Comparisons are strict (<), as in the reference implementation (the prdc package).
struct Prdc {
  double precision = 0;  // fakes inside at least one real ball (k_pr)
  double recall = 0;     // reals inside at least one fake ball (k_pr)
  double density = 0;    // real balls (k_dc) holding each fake, / k_dc, averaged over fakes
  double coverage = 0;   // reals whose own ball (k_dc) holds at least one fake
};

Prdc precision_recall_density_coverage(const torch::Tensor& real, const torch::Tensor& fake,
                                       int64_t k_pr = 3, int64_t k_dc = 5,
                                       int64_t block_rows = 1024);

struct ClassStatistics {
  torch::Tensor histogram;      // int64 [C]: samples per predicted class (argmax), on the CPU
  int64_t classes_covered = 0;  // classes holding at least a fifth of a uniform share
  double kl_to_uniform = 0;     // KL(predicted class frequencies || uniform), nats; 0 log 0 = 0
  double classifier_score = 0;  // exp(mean_i KL(p(y|x_i) || p(y))): the Inception-Score formula
};

// From class probabilities [N, C] (rows summing to 1, e.g. a softmax). std::invalid_argument
// for another shape or N = 0.
ClassStatistics class_statistics(const torch::Tensor& probabilities);

// Which groups of metrics an evaluation computes (all by default).
struct MetricGroups {
  bool fd = true, kid = true, prdc = true, classes = true;
};

struct KidSettings {
  int64_t subset_size = 1000;
  int64_t subsets = 100;
  uint64_t seed = 0;
};

// Every metric of one evaluation, from the reference net's features and probabilities: real
// features [N, F], fake features [M, F], fake probabilities [M, C], and the labels the fakes
// were asked for (int64 [M]; undefined for unconditional samples). Values of groups not asked
// for stay NaN.
struct SampleEvaluation {
  double fd = NAN;
  KidResult kid{NAN, NAN, 0, 0, 0};
  KidSubsets kid_rows;
  Prdc prdc{NAN, NAN, NAN, NAN};
  ClassStatistics classes{torch::Tensor(), 0, NAN, NAN};
  double label_accuracy = NAN;  // fakes classified as the label they were asked for
};
SampleEvaluation evaluate_samples(const torch::Tensor& real_features,
                                  const torch::Tensor& fake_features,
                                  const torch::Tensor& fake_probabilities,
                                  const torch::Tensor& fake_labels, const MetricGroups& groups,
                                  const KidSettings& kid);

}  // namespace ganrun::models
