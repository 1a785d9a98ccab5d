// tests/unit/energy_losses_test.cpp — EBGAN's and BEGAN's losses on hand-made tensors: energies,
// both hinge forms, both pull-away forms (against hand values and a pairwise implementation
// written here), the global-batch reduction over two simulated processes, BEGAN's k_t and M,
// and the collection's lr-halving rule driven by a hand-made M sequence.
#include "models/energy_losses.h"

#include <ATen/CPUGeneratorImpl.h>  // at::make_generator<at::CPUGeneratorImpl>
#include <gtest/gtest.h>
#include <torch/types.h>

#include <deque>
#include <vector>

namespace ganrun::models {
namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor tensor(std::vector<double> values, std::vector<int64_t> shape) {
  return torch::tensor(values, kF64).reshape(shape);
}

double value(const torch::Tensor& t) { return t.item<double>(); }

torch::Tensor fixed_randn(std::vector<int64_t> sizes, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(sizes, gen, kF64);
}

// Two processes simulated in one: the "other" process runs first with a RecordingReducer (its
// partial sums are kept, in call order), then "this" process runs with a ReplayReducer that adds
// them, as an all-reduce over the two would.
class RecordingReducer final : public BatchReducer {
 public:
  explicit RecordingReducer(std::deque<torch::Tensor>* log) : log_(log) {}
  torch::Tensor sum(const torch::Tensor& partial) const override {
    log_->push_back(partial.detach().clone());
    return partial;
  }

 private:
  std::deque<torch::Tensor>* log_;
};

class ReplayReducer final : public BatchReducer {
 public:
  explicit ReplayReducer(std::deque<torch::Tensor>* log) : log_(log) {}
  torch::Tensor sum(const torch::Tensor& partial) const override {
    auto other = log_->front();
    log_->pop_front();
    return partial + other;
  }

 private:
  std::deque<torch::Tensor>* log_;
};

const LocalReducer kOneProcess;

TEST(EnergyReconstruction, MseAndL1ArePerSampleMeans) {
  // Two samples of shape [1, 1, 2]: differences (1, 2) and (0, -1).
  auto x = tensor({0, 0, 0, 1}, {2, 1, 1, 2});
  auto recon = tensor({1, 2, 0, 0}, {2, 1, 1, 2});
  // MSE: (1 + 4) / 2 = 2.5 and (0 + 1) / 2 = 0.5; L1: (1 + 2) / 2 = 1.5 and (0 + 1) / 2 = 0.5.
  auto mse = mse_energy(recon, x);
  auto l1 = l1_energy(recon, x);
  ASSERT_EQ(mse.sizes(), torch::IntArrayRef({2}));
  EXPECT_DOUBLE_EQ(value(mse[0]), 2.5);
  EXPECT_DOUBLE_EQ(value(mse[1]), 0.5);
  EXPECT_DOUBLE_EQ(value(l1[0]), 1.5);
  EXPECT_DOUBLE_EQ(value(l1[1]), 0.5);
}

TEST(EnergyHinge, SampleAndBatchFormsDifferWhenFakesStraddleTheMargin) {
  // E(fake) = (0.5, 1.5), m = 1. Paper: (max(0, 0.5) + max(0, -0.5)) / 2 = 0.25.
  // Collection: max(0, 1 - mean(0.5, 1.5)) = max(0, 0) = 0.
  auto energy = tensor({0.5, 1.5}, {2}).requires_grad_();
  auto sample = hinge_per_sample(energy, 1.0);
  auto batch = hinge_on_batch_mean(energy, 1.0, kOneProcess, 2);
  EXPECT_DOUBLE_EQ(value(sample), 0.25);
  EXPECT_DOUBLE_EQ(value(batch), 0.0);
  // The paper form still pushes the fake below the margin up: d/dE = (-1/2, 0).
  sample.backward();
  EXPECT_DOUBLE_EQ(value(energy.grad()[0]), -0.5);
  EXPECT_DOUBLE_EQ(value(energy.grad()[1]), 0.0);
}

TEST(EnergyHinge, FormsAgreeWhenEveryFakeIsBelowTheMargin) {
  // E = (0.2, 0.4), m = 1: paper (0.8 + 0.6) / 2 = 0.7; collection 1 - 0.3 = 0.7.
  auto energy = tensor({0.2, 0.4}, {2});
  EXPECT_NEAR(value(hinge_per_sample(energy, 1.0)), 0.7, 1e-15);
  EXPECT_NEAR(value(hinge_on_batch_mean(energy, 1.0, kOneProcess, 2)), 0.7, 1e-15);
}

TEST(EnergyHinge, BatchMeanIsTakenOverTheGlobalBatch) {
  // Global batch E = (0.5, 1.5 | 0.1, 0.3), split over two processes; mean 2.4 / 4 = 0.6, so
  // the hinge is 1 - 0.6 = 0.4 on both, and d/dE_i = -1/4 for this process's rows.
  std::deque<torch::Tensor> log;
  RecordingReducer other_process(&log);
  hinge_on_batch_mean(tensor({0.1, 0.3}, {2}), 1.0, other_process, 4);
  ReplayReducer this_process(&log);
  auto mine = tensor({0.5, 1.5}, {2}).requires_grad_();
  auto hinge = hinge_on_batch_mean(mine, 1.0, this_process, 4);
  EXPECT_NEAR(value(hinge), 0.4, 1e-15);
  hinge.backward();
  EXPECT_DOUBLE_EQ(value(mine.grad()[0]), -0.25);
  EXPECT_DOUBLE_EQ(value(mine.grad()[1]), -0.25);
}

// G's energy E = mean((r - x)^2) over 4 pixels of one sample: dE/dr = (r - x) / 2 and, with the
// target attached, dE/dx = -(r - x) / 2; detached (the collection), x gets no gradient while
// r's is unchanged. The value is the same either way.
TEST(EnergyGenerator, DetachedTargetStopsOnlyTheTargetsGradient) {
  for (const bool detached : {false, true}) {
    auto r = tensor({0.5, -1.0, 2.0, 0.0}, {1, 1, 2, 2}).requires_grad_();
    auto x = tensor({0.0, 1.0, 1.0, -0.5}, {1, 1, 2, 2}).requires_grad_();
    auto e = generator_mse_energy(r, x, detached);
    EXPECT_NEAR(value(e.sum()), (0.25 + 4.0 + 1.0 + 0.25) / 4.0, 1e-15);
    e.sum().backward();
    const std::vector<double> diff{0.5, -2.0, 1.0, 0.5};
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_DOUBLE_EQ(value(r.grad().flatten()[i]), diff[i] / 2.0);
      if (detached) {
        EXPECT_FALSE(x.grad().defined()) << "the detached target got a gradient";
      } else {
        EXPECT_DOUBLE_EQ(value(x.grad().flatten()[i]), -diff[i] / 2.0);
      }
    }
  }
}

TEST(EnergyPullAway, PaperFormOfOrthogonalCodesIsZero) {
  // Pairwise cosines of orthogonal codes are 0 whatever their lengths.
  auto codes = tensor({2, 0, 0, 0, -3, 0, 0, 0, 0.5}, {3, 3});
  EXPECT_NEAR(value(pullaway_paper(codes, kOneProcess, 3)), 0.0, 1e-15);
}

TEST(EnergyPullAway, PaperFormOfIdenticalCodesIsOne) {
  // Every cos^2 is 1: sum over the N (N - 1) pairs / (N (N - 1)) = 1. Parallel codes of other
  // lengths and signs are identical after the per-code L2 normalisation.
  auto identical = tensor({1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 2, 2}, {4, 3});
  EXPECT_NEAR(value(pullaway_paper(identical, kOneProcess, 4)), 1.0, 1e-12);
  auto parallel = tensor({1, 2, 2, 2, 4, 4, -1, -2, -2}, {3, 3});
  EXPECT_NEAR(value(pullaway_paper(parallel, kOneProcess, 3)), 1.0, 1e-12);
}

TEST(EnergyPullAway, PaperFormOnAHandExample) {
  // c1 = (1, 0), c2 = (0, 1), c3 = (1, 1): cos^2(c1, c2) = 0, cos^2(c1, c3) = cos^2(c2, c3) =
  // 1/2. Ordered pairs: 2 (0 + 1/2 + 1/2) = 2; PT = 2 / (3 * 2) = 1/3.
  auto codes = tensor({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_NEAR(value(pullaway_paper(codes, kOneProcess, 3)), 1.0 / 3.0, 1e-15);
}

TEST(EnergyPullAway, CollectionFormOnAHandExample) {
  // The same codes. L1 norm of the whole batch: 1 + 1 + 2 = 4. Dot products c_i . c_j:
  // diagonal 1, 1, 2; off-diagonal (1,2) 0, (1,3) 1, (2,3) 1. Sum of squares over all ordered
  // pairs: 1 + 1 + 4 + 2 (0 + 1 + 1) = 10, divided by L1^4 = 256: 10/256 = 0.0390625.
  // PT = (0.0390625 - 3) / (3 * 2) = -0.4934895833..., near -1/(N-1) = -0.5.
  auto codes = tensor({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_NEAR(value(pullaway_collection(codes, kOneProcess, 3)), (10.0 / 256.0 - 3.0) / 6.0, 1e-15);
}

TEST(EnergyPullAway, CollectionFormIsNearlyConstant) {
  // With L the batch's L1 norm, sum_ij (c_i . c_j)^2 <= (sum_i ||c_i||_2^2)^2 <= L^4, so the
  // first sum over L^4 lies in [0, 1] and PT in [-N / (N (N-1)), (1 - N) / (N (N-1))] =
  // [-1/(N-1), -1/N], whatever the codes: for N = 64, [-0.015873, -0.015625].
  for (uint64_t seed : {1, 2, 3}) {
    auto codes = fixed_randn({64, 32}, seed) * static_cast<double>(seed * 10);
    const double pt = value(pullaway_collection(codes, kOneProcess, 64));
    EXPECT_GE(pt, -1.0 / 63.0);
    EXPECT_LE(pt, -1.0 / 64.0);
  }
}

// An independent pairwise implementation of both definitions (loops over i != j).
torch::Tensor pairwise_paper(const torch::Tensor& c) {
  const int64_t n = c.size(0);
  auto total = torch::zeros({}, kF64);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j) total = total + (c[i].dot(c[j]) / (c[i].norm() * c[j].norm())).pow(2);
  return total / static_cast<double>(n * (n - 1));
}

torch::Tensor pairwise_collection(const torch::Tensor& c) {
  const int64_t n = c.size(0);
  auto normalized = c / c.abs().sum();
  auto total = torch::zeros({}, kF64);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) total = total + normalized[i].dot(normalized[j]).pow(2);
  return (total - static_cast<double>(n)) / static_cast<double>(n * (n - 1));
}

using PullAway = torch::Tensor (*)(const torch::Tensor&, const BatchReducer&, int64_t, int64_t);
using Pairwise = torch::Tensor (*)(const torch::Tensor&);

void expect_matches_pairwise(PullAway form, Pairwise reference) {
  auto base = fixed_randn({6, 4}, 7);
  auto a = base.clone().requires_grad_();
  auto b = base.clone().requires_grad_();
  auto pt = form(a, kOneProcess, 6, 1);
  auto expected = reference(b);
  EXPECT_NEAR(value(pt), value(expected), 1e-12);
  pt.backward();
  expected.backward();
  EXPECT_TRUE(torch::allclose(a.grad(), b.grad(), 1e-9, 1e-12));
}

TEST(EnergyPullAway, BothFormsMatchThePairwiseDefinitionWithGradients) {
  expect_matches_pairwise(pullaway_paper, pairwise_paper);
  expect_matches_pairwise(pullaway_collection, pairwise_collection);
}

void expect_split_equals_whole(PullAway form) {
  // 6 codes, this process rows 0-2, the other rows 3-5: the value is the whole batch's, and the
  // gradient of this process's rows is the whole-batch gradient of those rows.
  auto base = fixed_randn({6, 4}, 11);
  auto whole = base.clone().requires_grad_();
  auto whole_pt = form(whole, kOneProcess, 6, 1);
  whole_pt.backward();

  std::deque<torch::Tensor> log;
  RecordingReducer other_process(&log);
  form(base.narrow(0, 3, 3), other_process, 6, 1);
  ReplayReducer this_process(&log);
  auto mine = base.narrow(0, 0, 3).clone().requires_grad_();
  auto pt = form(mine, this_process, 6, 1);
  EXPECT_TRUE(log.empty());
  EXPECT_NEAR(value(pt), value(whole_pt), 1e-12);
  pt.backward();
  EXPECT_TRUE(torch::allclose(mine.grad(), whole.grad().narrow(0, 0, 3), 1e-9, 1e-12));
}

TEST(EnergyPullAway, SplitOverTwoProcessesEqualsTheWholeBatch) {
  expect_split_equals_whole(pullaway_paper);
  expect_split_equals_whole(pullaway_collection);
}

void expect_packed_is_per_member(PullAway form) {
  // Three members' codes [6, 4] side by side ([6, 12], the packed layout): member k's value and
  // gradient are those of its codes alone.
  std::vector<torch::Tensor> parts;
  for (uint64_t k = 0; k < 3; ++k) parts.push_back(fixed_randn({6, 4}, 20 + k));
  auto packed = torch::cat(parts, 1).requires_grad_();
  auto pts = form(packed, kOneProcess, 6, 3);
  ASSERT_EQ(pts.sizes(), torch::IntArrayRef({3}));
  pts.sum().backward();
  for (int64_t k = 0; k < 3; ++k) {
    auto alone = parts[static_cast<size_t>(k)].clone().requires_grad_();
    auto pt = form(alone, kOneProcess, 6, 1);
    pt.backward();
    EXPECT_NEAR(pts[k].item<double>(), value(pt), 1e-14) << k;
    EXPECT_TRUE(torch::allclose(packed.grad().narrow(1, 4 * k, 4), alone.grad(), 1e-12, 1e-14))
        << k;
  }
}

TEST(EnergyPullAway, PackedMembersEachGetTheirOwnTerm) {
  expect_packed_is_per_member(pullaway_paper);
  expect_packed_is_per_member(pullaway_collection);
}

TEST(EnergyReconstruction, PackedEnergiesArePerSampleAndMember) {
  // [2, 2*1, 2, 1] (2 members of 1x2x1 images): member 0's errors {1, 3} and {0, 2}, member
  // 1's {2, 2} and {4, 0} -> MSE [[5, 4], [2, 8]], L1 [[2, 2], [1, 2]].
  auto x = torch::zeros({2, 2, 2, 1}, kF64);
  auto recon = torch::tensor({1.0, 3.0, 2.0, 2.0, 0.0, 2.0, 4.0, 0.0}, kF64).reshape({2, 2, 2, 1});
  EXPECT_TRUE(torch::equal(mse_energy(recon, x, 2),
                           torch::tensor({5.0, 4.0, 2.0, 8.0}, kF64).reshape({2, 2})));
  EXPECT_TRUE(torch::equal(l1_energy(recon, x, 2),
                           torch::tensor({2.0, 2.0, 1.0, 2.0}, kF64).reshape({2, 2})));
}

TEST(BeganEquilibrium, KMovesTowardGammaBalance) {
  auto k = torch::tensor(0.5, kF64);
  // gamma L_real - L_fake = 0.5 * 0.4 - 0.1 = 0.1 > 0 (fakes reconstructed too well): k rises
  // by lambda_k * 0.1 = 1e-4 to 0.5001.
  EXPECT_NEAR(
      value(began_k_update(k, torch::tensor(0.4, kF64), torch::tensor(0.1, kF64), 0.5, 1e-3)),
      0.5001, 1e-15);
  // 0.5 * 0.4 - 0.3 = -0.1 < 0: k falls to 0.4999.
  EXPECT_NEAR(
      value(began_k_update(k, torch::tensor(0.4, kF64), torch::tensor(0.3, kF64), 0.5, 1e-3)),
      0.4999, 1e-15);
}

TEST(BeganEquilibrium, KStaysInTheUnitInterval) {
  // 0.9995 + 1e-3 * (1 * 1 - 0) = 1.0005 -> 1; 0.0002 + 1e-3 * (0 - 1) = -0.0008 -> 0.
  EXPECT_DOUBLE_EQ(value(began_k_update(torch::tensor(0.9995, kF64), torch::tensor(1.0, kF64),
                                        torch::tensor(0.0, kF64), 1.0, 1e-3)),
                   1.0);
  EXPECT_DOUBLE_EQ(value(began_k_update(torch::tensor(0.0002, kF64), torch::tensor(0.0, kF64),
                                        torch::tensor(1.0, kF64), 1.0, 1e-3)),
                   0.0);
  // A long random walk with a large lambda_k never leaves [0, 1].
  auto losses = fixed_randn({500, 2}, 5).abs();
  auto k = torch::zeros({}, kF64);
  for (int64_t t = 0; t < 500; ++t) {
    k = began_k_update(k, losses[t][0], losses[t][1], 0.5, 0.3);
    ASSERT_GE(value(k), 0.0);
    ASSERT_LE(value(k), 1.0);
  }
}

TEST(BeganEquilibrium, ConvergenceMeasureOnHandValues) {
  // M = L_real + |gamma L_real - L_fake|: 0.4 + |0.2 - 0.1| = 0.5; 0.4 + |0.2 - 0.3| = 0.5;
  // at equilibrium (L_fake = gamma L_real) M = L_real = 0.4.
  const auto real = torch::tensor(0.4, kF64);
  EXPECT_NEAR(value(began_convergence(real, torch::tensor(0.1, kF64), 0.5)), 0.5, 1e-15);
  EXPECT_NEAR(value(began_convergence(real, torch::tensor(0.3, kF64), 0.5)), 0.5, 1e-15);
  EXPECT_NEAR(value(began_convergence(real, torch::tensor(0.2, kF64), 0.5)), 0.4, 1e-15);
}

torch::Tensor scalar(double v) { return torch::full({}, v, torch::kFloat64); }

TEST(BeganCollectionLr, HalvesWhenAndOnlyWhenMStalls) {
  // BEGAN.py: reference M_pre = 1; at an epoch end, M_pre < M halves the lr and keeps M_pre,
  // otherwise M_pre = M. Epoch-end M values and the expected decisions:
  //   0.8  (1   < 0.8 no)  -> M_pre 0.8     0.7  (0.8 < 0.7 no)  -> M_pre 0.7
  //   0.75 (0.7 < 0.75)    -> halve         0.72 (0.7 < 0.72)    -> halve again
  //   0.7  (0.7 < 0.7 no)  -> M_pre 0.7     0.6  (no)            -> M_pre 0.6
  //   0.65 (0.6 < 0.65)    -> halve
  // lr: 2e-4 -> 1e-4 -> 5e-5 -> 2.5e-5, applied to an optimiser-shaped [1, 1] tensor.
  StalledConvergenceHalving rule;
  const std::vector<double> m{0.8, 0.7, 0.75, 0.72, 0.7, 0.6, 0.65};
  const std::vector<bool> halve{false, false, true, true, false, false, true};
  const std::vector<double> reference{0.8, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6};
  auto lr = torch::full({1, 1}, 2e-4, torch::kFloat64);
  for (size_t e = 0; e < m.size(); ++e) {
    const auto h = rule.epoch_end(scalar(m[e]));
    EXPECT_EQ(h.item<bool>(), halve[e]) << "epoch " << e;
    EXPECT_DOUBLE_EQ(value(rule.reference()), reference[e]) << "epoch " << e;
    StalledConvergenceHalving::apply(h, lr);
  }
  EXPECT_DOUBLE_EQ(value(lr), 2.5e-5);
}

TEST(BeganCollectionLr, FirstEpochComparesWithOne) {
  // M_pre starts at 1: a first epoch ending at M = 1.2 halves at once.
  StalledConvergenceHalving rule;
  EXPECT_TRUE(rule.epoch_end(scalar(1.2)).item<bool>());
  EXPECT_DOUBLE_EQ(value(rule.reference()), 1.0);
}

TEST(BeganCollectionLr, EachMemberOfAPackHasItsOwnReferenceAndRate) {
  // Three members' epoch-end M over two epochs: {0.8, 1.2, 0.9} then {0.85, 0.5, 0.95}.
  // Member 0: 1 < 0.8 no (ref 0.8); 0.8 < 0.85 halve. Member 1: 1 < 1.2 halve (ref 1); 1 < 0.5
  // no (ref 0.5). Member 2: no (ref 0.9); 0.9 < 0.95 halve. lr [3, 1] from {2e-4, 4e-4, 3e-5}:
  // {1e-4, 2e-4, 2e-5 (1.5e-5 raised to the boundary)}.
  StalledConvergenceHalving rule;
  auto lr = torch::tensor({2e-4, 4e-4, 3e-5}, torch::kFloat64).reshape({3, 1});
  StalledConvergenceHalving::apply(rule.epoch_end(torch::tensor({0.8, 1.2, 0.9}, torch::kFloat64)),
                                   lr);
  StalledConvergenceHalving::apply(
      rule.epoch_end(torch::tensor({0.85, 0.5, 0.95}, torch::kFloat64)), lr);
  const std::vector<double> want_lr{1e-4, 2e-4, 2e-5}, want_ref{0.8, 0.5, 0.9};
  for (int64_t k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(lr[k][0].item<double>(), want_lr[static_cast<size_t>(k)]) << k;
    EXPECT_DOUBLE_EQ(rule.reference()[k].item<double>(), want_ref[static_cast<size_t>(k)]) << k;
  }
}

TEST(BeganCollectionLr, HalvingStopsAtTheLowerBoundary) {
  // max(lr / 2, 2e-5): 2e-4 -> 1e-4; 3e-5 -> 2e-5 (1.5e-5 is below); 2e-5 stays; an lr set
  // below the boundary is raised to it (1e-5 -> 2e-5), as BEGAN.py's max() does.
  EXPECT_DOUBLE_EQ(value(StalledConvergenceHalving::halved(scalar(2e-4))), 1e-4);
  EXPECT_DOUBLE_EQ(value(StalledConvergenceHalving::halved(scalar(3e-5))), 2e-5);
  EXPECT_DOUBLE_EQ(value(StalledConvergenceHalving::halved(scalar(2e-5))), 2e-5);
  EXPECT_DOUBLE_EQ(value(StalledConvergenceHalving::halved(scalar(1e-5))), 2e-5);
}

}  // namespace
}  // namespace ganrun::models
