// tests/unit/penalties_test.cpp — the gradient penalties: per-sample input-gradient norms and
// the penalty's own gradient (double backward) against central finite differences in float64,
// WGAN-GP's penalty at a unit-norm critic, its interpolation points, DRAGAN's perturbation
// statistics against the definition, and the global-batch std across simulated processes.
#include "models/penalties.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <vector>

namespace ganrun::models {
namespace {

// Deterministic, non-constant values (no random generator involved).
torch::Tensor fixed_values(std::vector<int64_t> shape, double freq, double phase) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return torch::sin(torch::arange(n, torch::kFloat64) * freq + phase).reshape(shape);
}

// A small critic 3 -> 4 (tanh) -> 1 in float64 with fixed weights.
struct TinyCritic {
  TinyCritic() : fc1(3, 4), fc2(4, 1) {
    fc1->to(torch::kFloat64);
    fc2->to(torch::kFloat64);
    torch::NoGradGuard no_grad;
    fc1->weight.copy_(fixed_values({4, 3}, 0.9, 0.1));
    fc1->bias.copy_(fixed_values({4}, 1.3, 0.4));
    fc2->weight.copy_(fixed_values({1, 4}, 0.7, 1.1));
    fc2->bias.fill_(0.2);
  }
  torch::Tensor operator()(const torch::Tensor& x) { return fc2(torch::tanh(fc1(x))); }
  CriticFn fn() {
    return [this](const torch::Tensor& x) { return (*this)(x); };
  }
  torch::nn::Linear fc1, fc2;
};

TEST(GradientNorm, MatchesCentralFiniteDifferencesPerSample) {
  TinyCritic critic;
  const auto x = fixed_values({5, 3}, 0.6, 0.3);
  const auto norms = input_gradient_norms(critic.fn(), x.clone().requires_grad_(true));
  ASSERT_EQ(norms.sizes(), (std::vector<int64_t>{5}));
  // d D(x_i) / d x_ij ~ (D(x_i + h e_j) - D(x_i - h e_j)) / 2h, error O(h^2) ~ 1e-10.
  const double h = 1e-5;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < 5; ++i) {
    double sq = 0.0;
    for (int64_t j = 0; j < 3; ++j) {
      auto plus = x.clone(), minus = x.clone();
      plus[i][j] += h;
      minus[i][j] -= h;
      const double d =
          (critic(plus)[i][0].item<double>() - critic(minus)[i][0].item<double>()) / (2.0 * h);
      sq += d * d;
    }
    EXPECT_NEAR(norms[i].item<double>(), std::sqrt(sq), 1e-8) << "sample " << i;
  }
}

TEST(GradientNorm, PenaltyGradientWithRespectToCriticMatchesFiniteDifferences) {
  // The penalty trains the critic through the norms (create_graph): its autograd gradient with
  // respect to a critic parameter must equal the finite difference of the penalty itself.
  TinyCritic critic;
  const auto x = fixed_values({6, 3}, 0.45, 0.8);
  const double lambda = 10.0;
  auto penalty = [&] {
    return unit_gradient_penalty(input_gradient_norms(critic.fn(), x.clone().requires_grad_(true)),
                                 lambda);
  };
  penalty().backward();
  const auto weight_grad = critic.fc1->weight.grad().clone();
  const auto out_grad = critic.fc2->weight.grad().clone();
  const double h = 1e-6;
  auto finite_difference = [&](torch::Tensor& param, int64_t r, int64_t c) {
    torch::Tensor plus, minus;
    {
      torch::NoGradGuard no_grad;
      param[r][c] += h;
    }
    plus = penalty().detach();
    {
      torch::NoGradGuard no_grad;
      param[r][c] -= 2.0 * h;
    }
    minus = penalty().detach();
    {
      torch::NoGradGuard no_grad;
      param[r][c] += h;
    }
    return (plus - minus).item<double>() / (2.0 * h);
  };
  EXPECT_NEAR(weight_grad[1][2].item<double>(), finite_difference(critic.fc1->weight, 1, 2), 1e-7);
  EXPECT_NEAR(weight_grad[3][0].item<double>(), finite_difference(critic.fc1->weight, 3, 0), 1e-7);
  EXPECT_NEAR(out_grad[0][2].item<double>(), finite_difference(critic.fc2->weight, 0, 2), 1e-7);
}

TEST(UnitGradientPenalty, ZeroForALinearCriticWithUnitNormGradient) {
  // D(x) = w.x + b with w = (1/2, 1/2, 1/2, 1/2): ||w|| = 1 at every x, penalty 0.
  torch::nn::Linear critic(4, 1);
  critic->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    critic->weight.fill_(0.5);
    critic->bias.fill_(0.3);
  }
  CriticFn fn = [&](const torch::Tensor& x) { return critic(x); };
  const auto x = fixed_values({7, 4}, 1.7, 0.2).requires_grad_(true);
  const auto norms = input_gradient_norms(fn, x);
  EXPECT_TRUE(torch::allclose(norms, torch::ones({7}, torch::kFloat64), 0.0, 1e-15));
  EXPECT_NEAR(unit_gradient_penalty(norms, 10.0).item<double>(), 0.0, 1e-28);
  // w = (1, 1, 1, 1): ||w|| = 2, penalty = lambda * (2 - 1)^2 = lambda = 10.
  {
    torch::NoGradGuard no_grad;
    critic->weight.fill_(1.0);
  }
  EXPECT_NEAR(unit_gradient_penalty(input_gradient_norms(fn, x), 10.0).item<double>(), 10.0, 1e-12);
}

TEST(UnitGradientPenalty, IsLambdaTimesMeanSquaredDistanceFromOne) {
  // norms [0, 1, 3]: (0-1)^2 = 1, 0, (3-1)^2 = 4; mean 5/3; times 0.25 -> 5/12.
  EXPECT_NEAR(
      unit_gradient_penalty(torch::tensor({0.0, 1.0, 3.0}, torch::kFloat64), 0.25).item<double>(),
      5.0 / 12.0, 1e-15);
}

TEST(WganGpPoints, InterpolateMixesEachSampleByItsOwnFactor) {
  // real 1, fake 0: x_hat = a per sample, over each sample's 2 elements.
  const auto x_hat =
      interpolate(torch::ones({3, 2}, torch::kFloat64), torch::zeros({3, 2}, torch::kFloat64),
                  torch::tensor({0.0, 0.25, 1.0}, torch::kFloat64));
  const auto expected = torch::tensor({0.0, 0.0, 0.25, 0.25, 1.0, 1.0}, torch::kFloat64);
  EXPECT_TRUE(torch::equal(x_hat.reshape({-1}), expected));
}

NoiseSource noise_for(BatchSlice slice) {
  return NoiseSource(21, 4, slice, torch::TensorOptions().dtype(torch::kFloat64));
}

TEST(WganGpPoints, LieOnTheSegmentWithOneUniformFactorPerSample) {
  const int64_t b = 16;
  const auto real = fixed_values({b, 1, 3, 3}, 0.3, 0.0);
  const auto fake = fixed_values({b, 1, 3, 3}, 0.7, 2.0) + 3.0;  // real - fake never 0
  const auto noise = noise_for(BatchSlice{b, 0, b});
  const auto x_hat = wgan_gp_points(real, fake, noise, 4, 1);
  EXPECT_TRUE(x_hat.requires_grad());
  // x_hat = a x + (1 - a) G  =>  a = (x_hat - G) / (x - G), the same for all 9 elements.
  const auto a = ((x_hat.detach() - fake) / (real - fake)).reshape({b, 9});
  EXPECT_LT((a.amax(1) - a.amin(1)).max().item<double>(), 1e-12);
  EXPECT_GE(a.min().item<double>(), 0.0);
  EXPECT_LT(a.max().item<double>(), 1.0);
  EXPECT_GT(a.select(1, 0).std().item<double>(), 0.05);  // samples differ
  // Another critic update draws other factors.
  const auto other = wgan_gp_points(real, fake, noise, 4, 2).detach();
  EXPECT_FALSE(torch::allclose(other, x_hat.detach()));
}

TEST(WganGpPoints, AProcessSliceSeesTheRowsOfTheWholeBatchDraw) {
  const int64_t b = 8;
  const auto real = fixed_values({b, 5}, 0.3, 0.0);
  const auto fake = fixed_values({b, 5}, 0.8, 1.0);
  const auto whole = wgan_gp_points(real, fake, noise_for(BatchSlice{b, 0, b}), 2, 0).detach();
  const auto second_half = wgan_gp_points(real.narrow(0, 4, 4), fake.narrow(0, 4, 4),
                                          noise_for(BatchSlice{b, 4, 4}), 2, 0)
                               .detach();
  EXPECT_TRUE(torch::allclose(second_half, whole.narrow(0, 4, 4), 0.0, 1e-15));
}

// Sums with a fixed partial added: the other process of a simulated two-process run.
class AddingReducer final : public BatchReducer {
 public:
  explicit AddingReducer(torch::Tensor other) : other_(std::move(other)) {}
  torch::Tensor sum(const torch::Tensor& partial) const override { return partial + other_; }

 private:
  torch::Tensor other_;
};

// Keeps the last partial it was given (what this process would send).
class RecordingReducer final : public BatchReducer {
 public:
  torch::Tensor sum(const torch::Tensor& partial) const override {
    last = partial.clone();
    return partial;
  }
  mutable torch::Tensor last;
};

TEST(GlobalBatchStd, IsTheUnbiasedStdOfEveryElementOfTheGlobalBatch) {
  const auto x = fixed_values({10, 1, 2, 3}, 0.41, 0.5) * 2.0 + 0.7;
  // torch.std is unbiased (divides by N - 1 = 59), as the collection's x_.std().
  const double expected = x.std().item<double>();
  EXPECT_NEAR(global_batch_std(LocalReducer(), x).item<double>(), expected, 1e-13);
  // Two processes with 6 and 4 samples: process B's partial, summed into process A's.
  RecordingReducer record;
  global_batch_std(record, x.narrow(0, 6, 4));
  EXPECT_NEAR(global_batch_std(AddingReducer(record.last), x.narrow(0, 0, 6)).item<double>(),
              expected, 1e-13);
  // float32 in, float32 out.
  EXPECT_EQ(global_batch_std(LocalReducer(), x.to(torch::kFloat32)).scalar_type(), torch::kFloat32);
}

TEST(DraganPerturbation, MatchesTheDefinitionOnAClosedForm) {
  // x = [[1, 2], [3, 4]], std 2, a = [0.5, 1], u = [[0, 0.5], [1, 0.25]]:
  // x_p = x + 0.5 * 2 * u = [[1, 2.5], [4, 4.25]]; x_hat = x + a (x_p - x) = [[1, 2.25],
  // [4, 4.25]].
  const auto x = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kFloat64).reshape({2, 2});
  const auto u = torch::tensor({0.0, 0.5, 1.0, 0.25}, torch::kFloat64).reshape({2, 2});
  const auto p = dragan_perturb(x, torch::tensor(2.0, torch::kFloat64),
                                torch::tensor({0.5, 1.0}, torch::kFloat64), u);
  EXPECT_TRUE(torch::equal(p.perturbed.reshape({-1}),
                           torch::tensor({1.0, 2.5, 4.0, 4.25}, torch::kFloat64)));
  EXPECT_TRUE(
      torch::equal(p.points.reshape({-1}), torch::tensor({1.0, 2.25, 4.0, 4.25}, torch::kFloat64)));
}

TEST(DraganPerturbation, DrawnPointsHaveTheDefinitionsStatistics) {
  // 2,000 samples of 16 elements: u's 32,000 draws and a's 2,000 draws.
  const int64_t b = 2000, elems = 16;
  const auto x = fixed_values({b, 1, 4, 4}, 0.013, 0.2) * 1.5 - 0.2;
  const double sd = x.std().item<double>();  // unbiased, over every element
  const auto noise = noise_for(BatchSlice{b, 0, b});
  const auto p = dragan_points(x, LocalReducer(), noise, 3, 1);
  EXPECT_TRUE(p.points.requires_grad());
  // x_p - x = 0.5 * std * u with u in [0, 1): in [0, 0.5 std), mean 0.25 std, variance of u 1/12.
  const auto u = ((p.perturbed - x) / (0.5 * sd)).reshape({b, elems});
  EXPECT_GE(u.min().item<double>(), 0.0);
  EXPECT_LT(u.max().item<double>(), 1.0);
  // Standard error of the mean of u: sqrt(1/12 / 32000) = 0.0016; 0.008 is 5 of them.
  EXPECT_NEAR(((p.perturbed - x).mean() / sd).item<double>(), 0.25, 0.5 * 0.008);
  EXPECT_NEAR(u.var().item<double>(), 1.0 / 12.0, 0.004);
  // x_hat - x = a (x_p - x): a is one number per sample, in [0, 1), mean 1/2 (s.e. 0.0065).
  const auto a = ((p.points.detach() - x) / (p.perturbed - x)).reshape({b, elems});
  EXPECT_LT((a.amax(1) - a.amin(1)).max().item<double>(), 1e-9);
  EXPECT_GE(a.min().item<double>(), 0.0);
  EXPECT_LT(a.max().item<double>(), 1.0);
  EXPECT_NEAR(a.mean().item<double>(), 0.5, 0.03);
  // u is elementwise: the elements of one sample differ.
  EXPECT_GT(u.std(1).mean().item<double>(), 0.2);
}

TEST(DraganPerturbation, UsesTheStdOfTheGlobalBatchOnEveryProcess) {
  // Process A holds rows 0..3 of 8; its std must be the whole batch's, not its slice's.
  const int64_t b = 8;
  const auto x = fixed_values({b, 6}, 0.9, 0.0) * torch::arange(b, torch::kFloat64).reshape({b, 1});
  RecordingReducer record;
  global_batch_std(record, x.narrow(0, 4, 4));  // what process B contributes
  const auto whole = dragan_points(x, LocalReducer(), noise_for(BatchSlice{b, 0, b}), 1, 0);
  const auto slice = dragan_points(x.narrow(0, 0, 4), AddingReducer(record.last),
                                   noise_for(BatchSlice{b, 0, 4}), 1, 0);
  EXPECT_TRUE(torch::allclose(slice.perturbed, whole.perturbed.narrow(0, 0, 4), 0.0, 1e-14));
  EXPECT_TRUE(
      torch::allclose(slice.points.detach(), whole.points.detach().narrow(0, 0, 4), 0.0, 1e-14));
}

}  // namespace
}  // namespace ganrun::models
