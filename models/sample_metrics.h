// models/sample_metrics.h — sample-quality metrics on feature vectors (issue 22's evaluation
// builds on them; the Fréchet distance is models/frechet.h): the kernel inception distance,
// precision / recall (Kynkäänniemi et al. 2019) and density / coverage (Naeem et al. 2020) on
// k-NN balls, and the statistics of a classifier's predictions on generated samples (classes
// covered, KL to uniform, the Inception-Score formula). Everything is computed in float64 on
// the inputs' device, distances in blocks of rows so memory stays O(block x N). No files, no
// ranks.
#pragma once

#include <torch/types.h>

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

// KID: MMD² over `subsets` subsets of min(subset_size, rows of real, rows of fake) rows of
// each set. std::invalid_argument for fewer than 2 rows, differing widths, subsets < 1.
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

}  // namespace ganrun::models
