// tests/unit/sample_order_test.cpp — the one sample order: the pinned permutation rule, rank
// slices (shard_of), dropped remainders, exact resume, batches at MNIST's size.
#include "data/sample_order.h"

#include <gtest/gtest.h>

#include <algorithm>  // std::min_element, std::max_element
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace ganrun::data {
namespace {

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// The rule of data/sample_order.h, written independently in Python; its output is pinned below,
// so a change of the rule (or of its implementation) fails here, whatever process computes it.
//
//   M = (1 << 64) - 1
//   def sm(x):
//       x = (x + 0x9E3779B97F4A7C15) & M
//       x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
//       x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
//       return x ^ (x >> 31)
//   def order(seed, epoch, n):
//       ek = sm(sm(sm(seed) ^ 0x0D47A0) ^ (epoch & M))
//       return sorted(range(n), key=lambda i: (sm(ek ^ sm(i)), i))
//   order(0, 0, 100)[:12]      -> [88, 35, 41, 67, 85, 69, 42, 62, 4, 21, 59, 51]
//   order(0, 1, 100)[:12]      -> [0, 59, 7, 21, 34, 61, 93, 20, 17, 13, 45, 57]
//   order(7, 3, 100)[:12]      -> [74, 93, 65, 39, 89, 29, 44, 7, 25, 91, 55, 6]
//   order(12345, 0, 100)[:12]  -> [62, 93, 94, 26, 33, 75, 79, 8, 21, 42, 68, 84]
//   o = order(42, 2, 60000); o[:8], o[-4:]
//     -> [54087, 29974, 14249, 21269, 50955, 57825, 55791, 37029] [47427, 49431, 16744, 14766]
TEST(SampleOrder, MatchesValuesPinnedFromAnIndependentImplementationOfTheRule) {
  // splitmix64(0) is SplitMix64's published first output for state 0.
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  // sm(sm(sm(sm(7) ^ 0x0D47A0) ^ 3) ^ sm(5))
  EXPECT_EQ(sample_key(7, 3, 5), 0x89d4997ff6108d1aULL);

  const std::vector<std::tuple<uint64_t, int64_t, std::vector<int64_t>>> pinned = {
      {0, 0, {88, 35, 41, 67, 85, 69, 42, 62, 4, 21, 59, 51}},
      {0, 1, {0, 59, 7, 21, 34, 61, 93, 20, 17, 13, 45, 57}},
      {7, 3, {74, 93, 65, 39, 89, 29, 44, 7, 25, 91, 55, 6}},
      {12345, 0, {62, 93, 94, 26, 33, 75, 79, 8, 21, 42, 68, 84}},
  };
  for (const auto& [seed, epoch, head] : pinned) {
    SampleOrder order(100, 12, seed);
    EXPECT_EQ(to_vector(order.epoch_permutation(epoch).narrow(0, 0, 12)), head)
        << "seed " << seed << " epoch " << epoch;
    EXPECT_EQ(to_vector(order.indices(epoch, 0, 0, 12)), head)
        << "seed " << seed << " epoch " << epoch;
  }

  SampleOrder big(60000, 64, 42);
  const auto perm = big.epoch_permutation(2);
  EXPECT_EQ(to_vector(perm.narrow(0, 0, 8)),
            (std::vector<int64_t>{54087, 29974, 14249, 21269, 50955, 57825, 55791, 37029}));
  EXPECT_EQ(to_vector(perm.narrow(0, 60000 - 4, 4)),
            (std::vector<int64_t>{47427, 49431, 16744, 14766}));
}

TEST(SampleOrder, EachEpochIsAPermutationAndItsBatchesDropExactlyTheRemainder) {
  // N = 100, batch 12: floor(100 / 12) = 8 batches of 12 = 96 samples; 100 mod 12 = 4 dropped.
  SampleOrder order(100, 12, 3);
  ASSERT_EQ(order.batches_per_epoch(), 8);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto perm = to_vector(order.epoch_permutation(epoch));
    EXPECT_EQ(std::set<int64_t>(perm.begin(), perm.end()).size(), 100u);
    std::set<int64_t> seen;
    for (int64_t b = 0; b < 8; ++b) {
      const auto batch = to_vector(order.indices(epoch, b, 0, 12));
      // Batch b is positions [12b, 12b + 12) of the epoch's permutation.
      EXPECT_EQ(batch, std::vector<int64_t>(perm.begin() + 12 * b, perm.begin() + 12 * b + 12));
      seen.insert(batch.begin(), batch.end());
    }
    EXPECT_EQ(seen.size(), 96u) << "epoch " << epoch;
    // The dropped samples are the permutation's last 4 positions.
    for (size_t p = 96; p < 100; ++p) EXPECT_EQ(seen.count(perm[p]), 0u);
  }
}

TEST(SampleOrder, DiffersAcrossEpochsAndSeeds) {
  SampleOrder a(100, 10, 0), b(100, 10, 1);
  const auto a0 = a.epoch_permutation(0);
  EXPECT_FALSE(torch::equal(a0, a.epoch_permutation(1)));
  EXPECT_FALSE(torch::equal(a0, b.epoch_permutation(0)));
  EXPECT_FALSE(torch::equal(a.epoch_permutation(1), b.epoch_permutation(1)));
  // Same (seed, epoch): the same order, whatever batch size slices it.
  SampleOrder c(100, 25, 0);
  EXPECT_TRUE(torch::equal(a0, c.epoch_permutation(0)));
}

TEST(SampleOrder, AFreshOrderResumedMidEpochContinuesExactly) {
  // A run that went from (epoch 0, batch 0) to (epoch 4, batch 7), and one that starts cold at
  // (epoch 3, batch 5): from there on they ask for, and get, the same indices.
  const int64_t n = 100, batch = 12;
  const auto shard = shard_of(batch, 1, 3);
  SampleOrder whole(n, batch, 9);
  std::vector<std::vector<int64_t>> tail;
  for (int64_t e = 0; e <= 4; ++e) {
    for (int64_t b = 0; b < whole.batches_per_epoch(); ++b) {
      const auto idx = to_vector(whole.indices(e, b, shard.offset, shard.count));
      if (e > 3 || (e == 3 && b >= 5)) tail.push_back(idx);
    }
  }
  SampleOrder resumed(n, batch, 9);
  size_t k = 0;
  for (int64_t e = 3; e <= 4; ++e) {
    for (int64_t b = (e == 3 ? 5 : 0); b < resumed.batches_per_epoch(); ++b, ++k) {
      ASSERT_LT(k, tail.size());
      EXPECT_EQ(to_vector(resumed.indices(e, b, shard.offset, shard.count)), tail[k])
          << "epoch " << e << " batch " << b;
    }
  }
  EXPECT_EQ(k, tail.size());
  // Going back to an earlier epoch (the cache holds one) still gives that epoch's order.
  EXPECT_EQ(to_vector(resumed.indices(0, 2, 0, batch)),
            to_vector(SampleOrder(n, batch, 9).indices(0, 2, 0, batch)));
}

TEST(SampleOrder, ReturnedIndicesAreACopyNotAViewOfTheCache) {
  SampleOrder order(100, 10, 0);
  auto first = order.indices(0, 0, 0, 10);
  const auto expected = first.clone();
  first.fill_(-1);
  EXPECT_TRUE(torch::equal(order.indices(0, 0, 0, 10), expected));
}

TEST(SampleOrder, RejectsRequestsOutsideTheEpochOrTheBatch) {
  EXPECT_THROW(SampleOrder(10, 11, 0), std::invalid_argument);  // zero batches per epoch
  EXPECT_THROW(SampleOrder(10, 0, 0), std::invalid_argument);
  SampleOrder order(100, 12, 0);
  EXPECT_THROW(order.indices(0, 8, 0, 12), std::out_of_range);  // 8 batches: 0..7
  EXPECT_THROW(order.indices(0, -1, 0, 12), std::out_of_range);
  EXPECT_THROW(order.indices(-1, 0, 0, 12), std::out_of_range);
  EXPECT_THROW(order.indices(0, 0, 6, 7), std::out_of_range);  // 6 + 7 > 12
  EXPECT_THROW(order.indices(0, 0, -1, 2), std::out_of_range);
  EXPECT_EQ(order.indices(0, 0, 12, 0).numel(), 0);
}

// At MNIST's size (60,000 samples, batch 64: 937 batches an epoch) every batch holds 64
// distinct rows of the set, and the first batch differs between epochs. What an epoch's
// permutation costs is measured by bench/bookkeeping.cpp, not here.
TEST(SampleOrder, BatchesOfSixtyThousandSamplesAreDistinctRowsOfTheSet) {
  SampleOrder order(60000, 64, 1);
  ASSERT_EQ(order.batches_per_epoch(), 937);  // floor(60000 / 64)
  std::vector<std::vector<int64_t>> first_batches;
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    for (int64_t b : {int64_t{0}, int64_t{936}}) {
      const auto idx = to_vector(order.indices(epoch, b, 0, 64));
      ASSERT_EQ(idx.size(), 64u);
      EXPECT_EQ(std::set<int64_t>(idx.begin(), idx.end()).size(), 64u);
      EXPECT_GE(*std::min_element(idx.begin(), idx.end()), 0);
      EXPECT_LT(*std::max_element(idx.begin(), idx.end()), 60000);
      if (b == 0) first_batches.push_back(idx);
    }
  }
  EXPECT_NE(first_batches[0], first_batches[1]);
  EXPECT_NE(first_batches[1], first_batches[2]);
}

// For k ranks sharing a global batch of 12 (N = 100): the per-step slices are disjoint, in rank
// order they concatenate to the single-rank batch, and over an epoch they cover N - N mod 12.
class SampleOrderSharding : public ::testing::TestWithParam<int> {};

TEST_P(SampleOrderSharding, RankSlicesAreDisjointAndConcatenateToTheSingleRankBatch) {
  const int ranks = GetParam();
  const int64_t n = 100, batch = 12;
  SampleOrder single(n, batch, 11);
  std::vector<SampleOrder> per_rank(static_cast<size_t>(ranks), SampleOrder(n, batch, 11));
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::set<int64_t> epoch_union;
    for (int64_t b = 0; b < single.batches_per_epoch(); ++b) {
      std::vector<int64_t> concatenated;
      std::set<int64_t> step_union;
      for (int r = 0; r < ranks; ++r) {
        const auto s = shard_of(batch, r, ranks);
        const auto slice =
            to_vector(per_rank[static_cast<size_t>(r)].indices(epoch, b, s.offset, s.count));
        EXPECT_EQ(static_cast<int64_t>(slice.size()), batch / ranks);
        for (int64_t i : slice) EXPECT_TRUE(step_union.insert(i).second) << "index " << i;
        concatenated.insert(concatenated.end(), slice.begin(), slice.end());
      }
      EXPECT_EQ(concatenated, to_vector(single.indices(epoch, b, 0, batch)))
          << "epoch " << epoch << " batch " << b;
      epoch_union.insert(step_union.begin(), step_union.end());
    }
    EXPECT_EQ(static_cast<int64_t>(epoch_union.size()), n - n % batch);  // 100 - 4 = 96
  }
}

INSTANTIATE_TEST_SUITE_P(SampleOrder, SampleOrderSharding, ::testing::Values(1, 2, 3, 4));

TEST(Shard, RankRTakesTheContiguousSliceFromRTimesBatchOverK) {
  const auto one = shard_of(12, 0, 1);
  EXPECT_EQ(one.offset, 0);
  EXPECT_EQ(one.count, 12);
  const auto third = shard_of(12, 2, 3);  // [2*12/3, 3*12/3) = [8, 12)
  EXPECT_EQ(third.offset, 8);
  EXPECT_EQ(third.count, 4);
  const auto q = shard_of(64, 1, 4);  // [16, 32)
  EXPECT_EQ(q.offset, 16);
  EXPECT_EQ(q.count, 16);
}

// Bad (batch, rank, ranks) and a fragment the message must contain.
struct BadShard {
  int64_t batch;
  int rank, ranks;
  std::string message;
};

class ShardOfRejects : public ::testing::TestWithParam<BadShard> {};

TEST_P(ShardOfRejects, WithAMessageNamingTheProblem) {
  const auto& p = GetParam();
  try {
    shard_of(p.batch, p.rank, p.ranks);
    FAIL() << "no exception for batch " << p.batch << " rank " << p.rank << "/" << p.ranks;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(p.message), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shard, ShardOfRejects,
    ::testing::Values(BadShard{12, 0, 5, "batch 12 does not divide among 5 ranks"},
                      BadShard{64, 0, 3, "multiple of 3"}, BadShard{12, 0, 0, "ranks must be >= 1"},
                      BadShard{12, -1, 2, "rank -1 is outside [0, 2)"},
                      BadShard{12, 2, 2, "rank 2 is outside [0, 2)"},
                      BadShard{0, 0, 1, "batch must be >= 1"}));

}  // namespace
}  // namespace ganrun::data
