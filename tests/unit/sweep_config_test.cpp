// tests/unit/sweep_config_test.cpp — the sweep file: every kind of bad input names its key and
// file:line, grid expansion order and layering, run ids, canonical floats and the YAML diff.
#include "runner/sweep_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "common/digest.h"
#include "runner/byte_size.h"
#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/pack_plan.h"
#include "runner/run_id.h"
#include "runner/sweep_diff.h"

namespace ganrun {
namespace {

// The message of the ConfigError that parsing `yaml` throws, or "" when it parses.
std::string parse_error(const std::string& yaml, const std::string& label = "x.yaml") {
  try {
    parse_sweep(yaml, label);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: each must be a ConfigError on one line that starts with "x.yaml:LINE:" and
// contains the offending key (and any other listed text).

struct BadInput {
  const char* name;
  const char* yaml;
  int line;
  std::vector<std::string> contains;
  std::vector<std::string> absent = {};
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class SweepConfigBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(SweepConfigBadInput, NamesKeyAndLine) {
  const BadInput& b = GetParam();
  const std::string msg = parse_error(b.yaml);
  if (std::getenv("GANRUN_SHOW_MESSAGES")) std::cout << msg << "\n";
  ASSERT_FALSE(msg.empty()) << "expected a ConfigError for:\n" << b.yaml;
  EXPECT_EQ(msg.rfind("x.yaml:" + std::to_string(b.line) + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  for (const auto& s : b.contains) EXPECT_NE(msg.find(s), std::string::npos) << s << " in " << msg;
  for (const auto& s : b.absent) EXPECT_EQ(msg.find(s), std::string::npos) << s << " in " << msg;
}

const BadInput kBadInputs[] = {
    {"unknown_key_did_you_mean",
     "name: t\nn_critc: 5\n",
     2,
     {"key 'n_critc' is not a known key", "(did you mean 'n_critic'?)"}},
    // 'frobnicate' is more than 2 edits from every key: no suggestion at all.
    {"unknown_key_no_suggestion",
     "name: t\ntrain: {epochs: 1}\nfrobnicate: 3\n",
     3,
     {"'frobnicate'", "not a known key"},
     {"did you mean"}},
    {"nested_unknown_key_in_train",
     "train:\n  epochs: 2\n  bacth: 32\n",
     3,
     {"'bacth'", "train", "did you mean 'batch'"}},
    {"nested_unknown_key_in_dataset",
     "dataset:\n  name: mnist\n  spilt: test\n",
     3,
     {"'spilt'", "did you mean 'split'"}},
    {"wrong_type_string_for_int",
     "name: t\ntrain:\n  batch: sixty-four\n",
     3,
     {"batch must be an integer", "'sixty-four'"}},
    {"wrong_type_quoted_number", "lr: \"2e-4\"\n", 1, {"lr must be a number", "quoted"}},
    {"wrong_type_list_for_number",
     "name: t\nlr: [1e-4, 2e-4]\n",
     2,
     {"lr must be a number (got a list)", "grid"}},
    {"wrong_type_map_for_train", "train: 30\n", 1, {"train must be a map"}},
    {"wrong_type_grid_scalar", "grid:\n  lr: 2e-4\n", 2, {"grid key 'lr' must be a list"}},
    {"lr_negative", "name: t\n\nlr: -1\n", 3, {"lr must be > 0 (got -1)"}},
    {"lr_zero", "lr: 0\n", 1, {"lr must be > 0 (got 0)"}},
    {"lr_g_infinite", "lr_g: .inf\n", 1, {"lr_g must be finite"}},
    {"beta1_one", "name: t\nbeta1: 1.0\n", 2, {"beta1 must be in [0, 1) (got 1.0)"}},
    {"betas_pair_out_of_range", "betas: [0.5, 1.5]\n", 1, {"beta2 must be in [0, 1) (got 1.5)"}},
    // Block list: the bad item is on its own line (4), not the key's (2).
    {"n_critic_zero_in_grid",
     "grid:\n  n_critic:\n    - 1\n    - 0\n",
     4,
     {"n_critic must be >= 1 (got 0)"}},
    {"batch_zero", "name: t\ntrain:\n  epochs: 2\n  batch: 0\n", 4, {"batch must be >= 1 (got 0)"}},
    {"seed_negative", "train: {seed: -3}\n", 1, {"seed must be >= 0 (got -3)"}},
    {"sample_every_negative", "train:\n  sample_every: -1\n", 2, {"sample_every must be >= 0"}},
    {"preset_unknown",
     "name: t\npreset: colection\n",
     2,
     {"preset 'colection' is not a known preset", "did you mean 'collection'"}},
    {"variant_unknown", "variant: wgangp\n", 1, {"variant 'wgangp'", "did you mean 'wgan-gp'"}},
    {"variant_in_grid_unknown",
     "grid:\n  variant: [gan, wgan_gp]\n",
     2,
     {"variant 'wgan_gp' is not a known variant"}},
    {"variants_section_unknown",
     "variants:\n  ebgn: {arch: ae28}\n",
     2,
     {"'ebgn'", "did you mean 'ebgan'"}},
    {"arch_unknown", "arch: dcgan29\n", 1, {"arch 'dcgan29' is not a known arch"}},
    {"dataset_unknown",
     "dataset: {name: toy-ring9}\n",
     1,
     {"dataset 'toy-ring9' is not a known dataset"}},
    {"gamma_out_of_range", "gamma: 2\n", 1, {"gamma must be in [0, 1] (got 2)"}},
    {"hinge_unknown", "hinge: both\n", 1, {"hinge 'both' is not a known hinge"}},
    {"memory_budget_bad_unit",
     "dataset:\n  name: mnist\n  memory_budget: 4GB\n",
     3,
     {"dataset.memory_budget", "4GiB", "'4GB'"}},
    {"memory_budget_zero",
     "dataset: {name: mnist, memory_budget: 0}\n",
     1,
     {"dataset.memory_budget", "'0'"}},
    {"arch_typo", "arch: mpl\n", 1, {"arch 'mpl'", "did you mean 'mlp'"}},
    {"checkpoint_every_epochs_zero",
     "variants:\n  gan:\n    checkpoint_every: {epochs: 0}\n",
     3,
     {"checkpoint_every.epochs must be >= 1 (got 0)"}},
    // Intervals in epochs: {epochs: N} with N >= 1, and nothing else in the map.
    {"interval_epochs_zero",
     "train:\n  steps: 5\n  eval_every: {epochs: 0}\n",
     3,
     {"eval_every.epochs must be >= 1 (got 0)"}},
    {"interval_map_misspelt",
     "train:\n  steps: 5\n  sample_every: {epoch: 2}\n",
     3,
     {"sample_every must be a number of steps or {epochs: N}"}},
    {"eval_samples_zero",
     "train: {steps: 5, eval_samples: 0}\n",
     1,
     {"eval_samples must be >= 1 (got 0)"}},
    // Intervals count steps: a log interval of 0 would divide by zero, a negative one never comes.
    {"log_every_0", "train: {steps: 5, log_every: 0}\n", 1, {"log_every must be >= 1 (got 0)"}},
    {"log_every_negative",
     "train: {steps: 5, log_every: -3}\n",
     1,
     {"log_every must be >= 1 (got -3)"}},
    // 10^20 > 2^63 - 1 does not fit an int64: said as such, not as 'not an integer'.
    {"steps_beyond_int64",
     "train:\n  steps: 99999999999999999999\n",
     2,
     {"steps must be an integer between -9223372036854775808 and 9223372036854775807",
      "'99999999999999999999'"}},
    // 1e3 is a whole number in range, but not written as an integer.
    {"steps_in_float_notation",
     "train: {steps: 1e3}\n",
     1,
     {"steps must be an integer (got '1e3')"},
     {"between"}},
    {"memory_budget_beyond_int64",
     "dataset: {name: mnist, memory_budget: 99999999999999999999GiB}\n",
     1,
     {"dataset.memory_budget", "'99999999999999999999GiB'"}},
    {"ranks_per_run_0", "ranks_per_run: 0\n", 1, {"ranks_per_run must be >= 1"}},
    {"pack_zero", "pack: 0\n", 1, {"pack must be >= 1 (got 0)"}},
    {"pack_bad_word", "pack: on\n", 1, {"pack must be off, auto or a number of runs (got 'on')"}},
    {"device_bad", "device: gpu\n", 1, {"device must be auto, cpu or cuda (got 'gpu')"}},
    {"grid_key_not_per_run",
     "grid:\n  out: [a, b]\n",
     2,
     {"grid key 'out' is not a per-run setting"}},
    {"grid_key_typo",
     "grid:\n  n_critc: [1, 5]\n",
     2,
     {"key 'n_critc' is not a grid key", "did you mean 'n_critic'"}},
    // variants.gan sets lr on line 4, the grid on line 6: both lines named, the later leads.
    {"key_in_variants_and_grid",
     "name: t\nvariants:\n  gan:\n    lr: 1e-4\ngrid:\n  lr: [2e-4, 1e-3]\n",
     6,
     {"key 'lr'", "variants.gan (line 4)", "grid (line 6)"}},
    // lr_g overlaps lr: also a conflict between the two places.
    {"overlapping_key_in_variants_and_grid",
     "variants:\n  gan: {lr: 1e-4}\ngrid:\n  lr_g: [2e-4]\n",
     4,
     {"'lr'", "'lr_g'"}},
    {"epochs_and_steps",
     "train:\n  epochs: 3\ngrid:\n  steps: [100, 200]\n",
     4,
     {"epochs (line 2)", "steps (line 4)"}},
    {"epochs_and_steps_same_section",
     "train: {epochs: 3, steps: 100}\n",
     1,
     {"epochs (line 1)", "steps (line 1)"}},
    {"lr_and_lr_g_same_level", "lr: 1e-4\nlr_g: 2e-4\n", 2, {"lr (line 1)", "lr_g (line 2)"}},
    {"empty_grid_list", "name: t\ngrid:\n  seed: []\n", 3, {"grid key 'seed' has an empty list"}},
    {"grid_betas_not_pairs",
     "grid:\n  betas: [0.5, 0.999]\n",
     2,
     {"betas must be a [beta1, beta2] pair"}},
    // 2e-4 and 0.0002 are the same number: two identical runs.
    {"duplicate_grid_values",
     "grid:\n  seed: [0, 1]\n  lr: [2e-4, 0.0002]\n",
     3,
     {"grid key 'lr'", "same settings"}},
    {"duplicate_key",
     "lr: 1e-4\nz_dim: 8\nlr: 2e-4\n",
     3,
     {"key 'lr' is set twice (lines 1 and 3)"}},
    {"train_key_at_top_level", "batch: 32\n", 1, {"key 'batch' belongs under 'train'"}},
    // The unterminated flow list is only noticed on the next line, where yaml-cpp reports it.
    {"syntax_error",
     "name: t\ngrid:\n  lr: [1e-4, 2e-4\n  seed: [0]\n",
     4,
     {"YAML syntax error", "end of sequence flow not found"}},
    {"empty_file", "# nothing but a comment\n", 1, {"empty"}},
    {"not_a_map", "- lr\n- seed\n", 1, {"must be a map"}},
    {"name_with_slash", "name: a/b\n", 1, {"name must be"}},
    // grid as a list of maps (the union of their products)
    {"grid_empty_list_of_maps", "name: t\ngrid: []\n", 2, {"grid is an empty list"}},
    {"grid_list_item_not_a_map",
     "grid:\n  - {lr: [1e-4]}\n  - seed\n",
     3,
     {"grid entry 2 must be a map"}},
    {"grid_list_item_bad_key", "grid:\n  - {lr: [1e-4]}\n  - {sed: [0]}\n", 3, {"'sed'", "seed"}},
    {"grid_list_vs_variants",
     "variants:\n  gan: {lr: 1e-3}\ngrid:\n  - {seed: [0]}\n  - {lr: [1e-4]}\n",
     5,
     {"key 'lr' is set both in variants.gan"}},
    // sample: (random search)
    {"sample_low_not_below_high",
     "sample:\n  count: 2\n  lr: {log_uniform: [1.0e-2, 1.0e-5]}\n",
     3,
     {"sample.lr.log_uniform", "low 1.0e-2 must be below high 1.0e-5"}},
    {"sample_equal_bounds",
     "sample:\n  count: 2\n  beta1: {uniform: [0.5, 0.5]}\n",
     3,
     {"sample.beta1.uniform", "must be below"}},
    {"sample_log_uniform_from_zero",
     "sample:\n  count: 2\n  lr: {log_uniform: [0.0, 1.0e-2]}\n",
     3,
     {"low must be > 0"}},
    {"sample_unknown_distribution",
     "sample:\n  count: 2\n  lr: {log_uniformm: [1.0e-5, 1.0e-2]}\n",
     3,
     {"'log_uniformm' is not a distribution", "log_uniform"}},
    {"sample_key_also_in_grid",
     "grid:\n  n_critic: [1, 5]\nsample:\n  count: 2\n  n_critic: {choice: [1, 2]}\n",
     5,
     {"key 'n_critic' is drawn by sample (line 5)", "grid key 'n_critic' (line 2)"}},
    {"sample_shorthand_overlaps_grid",
     "grid:\n  lr_g: [1e-4]\nsample:\n  count: 2\n  lr: {uniform: [1.0e-4, 1.0e-3]}\n",
     5,
     {"key 'lr' is drawn by sample", "grid key 'lr_g'"}},
    {"sample_key_also_in_variants",
     "variants:\n  gan: {beta1: 0.5}\nsample:\n  count: 2\n  beta1: {uniform: [0.0, 0.9]}\n",
     5,
     {"key 'beta1' is drawn by sample (line 5) and set in variants.gan (line 2)"}},
    {"sample_without_count",
     "sample:\n  lr: {uniform: [1.0e-4, 1.0e-3]}\n",
     2,
     {"sample needs count"}},
    {"sample_zero_count",
     "sample:\n  count: 0\n  lr: {uniform: [1.0e-4, 1.0e-3]}\n",
     2,
     {"sample.count must be >= 1"}},
    {"sample_integer_from_interval",
     "sample:\n  count: 2\n  n_critic: {uniform: [1, 5]}\n",
     3,
     {"n_critic is not a number drawn from an interval", "choice"}},
    {"sample_bad_choice_value", "sample:\n  count: 2\n  lr: {choice: [1.0e-4, -1.0]}\n", 3, {"lr"}},
    {"sample_variant",
     "sample:\n  count: 2\n  variant: {choice: [gan]}\n",
     3,
     {"sample.variant", "grid"}},
};

INSTANTIATE_TEST_SUITE_P(SweepConfig, SweepConfigBadInput, ::testing::ValuesIn(kBadInputs),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return std::string(info.param.name);
                         });

TEST(SweepConfigLoad, MissingFileIsConfigError) {
  try {
    load_sweep("/nonexistent/dir/lr.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "sweep file '/nonexistent/dir/lr.yaml' not found");
  }
}

TEST(SweepConfigLoad, ReadsFileAndDefaultsNameAndOutFromStem) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ganrun_sweep_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "lr-study.yaml";
  const std::string text = "grid:\n  seed: [0, 1]\n";
  std::ofstream(path) << text;
  const SweepPlan plan = load_sweep(path);
  EXPECT_EQ(plan.file, path.string());
  EXPECT_EQ(plan.text, text);
  EXPECT_EQ(plan.name, "lr-study");
  EXPECT_EQ(plan.out, "results/lr-study");
  EXPECT_EQ(plan.device, "auto");
  EXPECT_EQ(plan.runs.size(), 2u);
  // Errors carry the path as given.
  std::ofstream(path) << "lr: -1\n";
  try {
    load_sweep(path);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ":1: lr must be > 0 (got -1)");
  }
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Parsing and grid expansion.

TEST(SweepConfigParse, FullValidFileIsAccepted) {
  const SweepPlan plan = parse_sweep(R"(# a sweep with every implemented section
name: lr-study
dataset: {name: mnist, dir: data/mnist, split: test}
train:   {steps: 200, batch: 32, seed: 0, sample_every: 0, log_every: 10}
variant: gan
arch: mlp
betas: [0.0, 0.9]
z_dim: 64
dtype: float64
ranks_per_run: 1
pack: auto
out: results/lr
device: cpu
)",
                                     "sweeps/lr.yaml");
  EXPECT_EQ(plan.name, "lr-study");
  EXPECT_EQ(plan.out, "results/lr");
  EXPECT_EQ(plan.device, "cpu");
  EXPECT_EQ(plan.pack, "auto");
  EXPECT_EQ(plan.ranks_per_run, 1);
  EXPECT_TRUE(plan.grid_keys.empty());
  ASSERT_EQ(plan.runs.size(), 1u);  // no grid: one run
  const RunSettings& s = plan.runs[0].settings;
  EXPECT_EQ(s.dataset, "mnist");
  EXPECT_EQ(s.data_dir, "data/mnist");
  EXPECT_EQ(s.split, "test");
  EXPECT_EQ(s.steps, 200);
  EXPECT_EQ(s.epochs, 0);  // steps given: no default epochs
  EXPECT_EQ(s.batch, 32);
  EXPECT_EQ(s.sample_every, 0);
  EXPECT_EQ(s.log_every, 10);
  EXPECT_EQ(s.beta1, 0.0);
  EXPECT_EQ(s.beta2, 0.9);
  EXPECT_EQ(s.z_dim, 64);
  EXPECT_EQ(s.dtype, "float64");
  EXPECT_TRUE(plan.runs[0].grid_point.empty());
}

// Groups of ranks per run are accepted here; world size and batch divisibility are checked when
// the plan meets the ranks (plan_execution).
// {epochs: N} is stored as -N and written back as {epochs: N}; steps stay numbers.
TEST(SweepConfigParse, IntervalsTakeEpochs) {
  const auto plan = parse_sweep(
      "train: {steps: 5, log_every: {epochs: 2}, sample_every: 7, eval_every: {epochs: 1},\n"
      "        eval_samples: 500}\n",
      "s.yaml");
  const RunSettings& s = plan.runs.at(0).settings;
  EXPECT_EQ(s.log_every, -2);
  EXPECT_EQ(s.sample_every, 7);
  EXPECT_EQ(s.eval_every, -1);
  EXPECT_EQ(s.eval_samples, 500);
  const std::string yaml = to_yaml(s);
  EXPECT_NE(yaml.find("log_every: {epochs: 2}\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("eval_every: {epochs: 1}\n"), std::string::npos) << yaml;
  EXPECT_EQ(interval_steps(s.log_every, 156), 312);
  EXPECT_EQ(interval_steps(s.sample_every, 156), 7);
  RunSettings flags;
  set_setting_text(flags, "eval_every", "3ep");
  EXPECT_EQ(flags.eval_every, -3);
  EXPECT_EQ(setting_text(flags, "eval_every"), "3ep");
  EXPECT_THROW(set_setting_text(flags, "eval_every", "0ep"), ConfigError);
  EXPECT_THROW(set_setting_text(flags, "eval_every", "-4"), ConfigError);
}

TEST(SweepConfigParse, RanksPerRunAboveOneIsAccepted) {
  EXPECT_EQ(parse_sweep("name: t\nranks_per_run: 4\n", "t.yaml").ranks_per_run, 4);
}

TEST(SweepConfigParse, NeitherEpochsNorStepsDefaultsToThirtyEpochs) {
  const SweepPlan plan = parse_sweep("name: t\n", "t.yaml");
  ASSERT_EQ(plan.runs.size(), 1u);
  EXPECT_EQ(plan.runs[0].settings.epochs, kDefaultEpochs);
  EXPECT_EQ(plan.runs[0].settings.epochs, 30);
  EXPECT_EQ(plan.runs[0].settings.steps, 0);
}

TEST(SweepConfigParse, DatasetScalarShorthandAndLrSetsBothRates) {
  const SweepPlan plan = parse_sweep("dataset: mnist\nlr: 1e-3\n", "t.yaml");
  EXPECT_EQ(plan.runs[0].settings.dataset, "mnist");
  EXPECT_EQ(plan.runs[0].settings.lr_g, 1e-3);
  EXPECT_EQ(plan.runs[0].settings.lr_d, 1e-3);
}

TEST(SweepConfigGrid, CountIsProductOfListLengths) {
  // 2 x 3 x 2 = 12 runs.
  const SweepPlan plan =
      parse_sweep("grid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1, 2]\n  batch: [32, 64]\n", "g.yaml");
  EXPECT_EQ(plan.runs.size(), 12u);
  EXPECT_EQ(plan.grid_keys, (std::vector<std::string>{"lr", "seed", "batch"}));
  EXPECT_EQ(plan.varying_keys, (std::vector<std::string>{"lr", "seed", "batch"}));
}

TEST(SweepConfigGrid, LastKeyVariesFastest) {
  const SweepPlan plan =
      parse_sweep("grid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1, 2]\n  batch: [32, 64]\n", "g.yaml");
  ASSERT_EQ(plan.runs.size(), 12u);
  // Run i = (lr index i / 6, seed index (i % 6) / 2, batch index i % 2).
  const double lrs[] = {1e-4, 2e-4};
  const int64_t seeds[] = {0, 1, 2};
  const int64_t batches[] = {32, 64};
  for (std::size_t i = 0; i < 12; ++i) {
    const RunSettings& s = plan.runs[i].settings;
    EXPECT_EQ(s.lr_g, lrs[i / 6]) << i;
    EXPECT_EQ(s.lr_d, lrs[i / 6]) << i;
    EXPECT_EQ(s.seed, seeds[(i % 6) / 2]) << i;
    EXPECT_EQ(s.batch, batches[i % 2]) << i;
  }
  // Run 7 = lr index 1, seed index 0, batch index 1; grid point texts are canonical.
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(plan.runs[7].grid_point,
            (std::vector<P>{P{"lr", "2e-4"}, P{"seed", "0"}, P{"batch", "64"}}));
}

TEST(SweepConfigGrid, ListOfMapsIsTheUnionOfTheirProducts) {
  // 2 x 2 gan/wgan-gp lrs, lsgan at its default lr, and a gan point the first map already has.
  const SweepPlan plan = parse_sweep(R"(name: u
grid:
  - {variant: [gan, wgan-gp], lr: [1e-4, 1e-3]}
  - {variant: [lsgan], seed: [3]}
  - {variant: [gan], lr: [1e-3]}
)",
                                     "u.yaml");
  ASSERT_EQ(plan.runs.size(), 5u);  // 4 + 1, the repeated gan point once
  EXPECT_EQ(plan.grid_keys, (std::vector<std::string>{"variant", "lr", "seed"}));
  // lr is 2e-4 for lsgan (unset there), seed 3 only for lsgan: every key varies.
  EXPECT_EQ(plan.varying_keys, (std::vector<std::string>{"variant", "lr", "seed"}));
  const std::vector<std::string> variants{"gan", "gan", "wgan-gp", "wgan-gp", "lsgan"};
  const std::vector<double> lrs{1e-4, 1e-3, 1e-4, 1e-3, 2e-4};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(plan.runs[i].settings.variant, variants[i]) << i;
    EXPECT_EQ(plan.runs[i].settings.lr_g, lrs[i]) << i;
  }
  EXPECT_EQ(plan.runs[4].settings.seed, 3);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(plan.runs[4].grid_point, (std::vector<P>{P{"variant", "lsgan"}, P{"seed", "3"}}));
  EXPECT_EQ(plan.runs[4].id.rfind("lsgan-lr2e-4-s3-", 0), 0u) << plan.runs[4].id;
  EXPECT_EQ(plan.runs[1].id.rfind("gan-lr1e-3-s0-", 0), 0u) << plan.runs[1].id;
  // One map written as a one-item list is the same plan, with the same ids.
  const SweepPlan as_map = parse_sweep("grid: {lr: [1e-4, 1e-3], seed: [0, 1]}\n", "m.yaml");
  const SweepPlan as_list = parse_sweep("grid: [{lr: [1e-4, 1e-3], seed: [0, 1]}]\n", "m.yaml");
  ASSERT_EQ(as_map.runs.size(), as_list.runs.size());
  for (std::size_t i = 0; i < as_map.runs.size(); ++i)
    EXPECT_EQ(as_map.runs[i].id, as_list.runs[i].id);
}

// The number (seed, draw, key) gives, recomputed from the SHA-256 hex digest.
double uniform_from_digest(uint64_t seed, int64_t draw, const std::string& key) {
  const std::string hex =
      sha256_hex(std::to_string(seed) + ":" + std::to_string(draw) + ":" + key, "test");
  uint64_t bits = 0;
  for (int i = 0; i < 16; ++i)
    bits = bits * 16 + static_cast<uint64_t>(
                           std::stoi(hex.substr(static_cast<std::size_t>(i), 1), nullptr, 16));
  return std::ldexp(static_cast<double>(bits >> 11), -53);
}

TEST(SweepConfigSample, DrawsAreKeyedSharedAcrossTheGridAndCrossedWithIt) {
  const std::string text = R"(name: rs
grid: {variant: [gan, wgan-gp]}
sample:
  count: 100
  seed: 7
  lr: {log_uniform: [1.0e-5, 1.0e-2]}
  n_critic: {choice: [1, 2, 3, 4, 5]}
  beta1: {uniform: [0.0, 1.0]}
)";
  const SweepPlan plan = parse_sweep(text, "rs.yaml");
  ASSERT_EQ(plan.runs.size(), 200u);
  EXPECT_EQ(plan.grid_keys,
            (std::vector<std::string>{"variant", "lr", "n_critic", "beta1", "draw"}));
  EXPECT_EQ(plan.sampled_keys, (std::vector<std::string>{"lr", "n_critic", "beta1"}));
  for (int64_t i = 0; i < 100; ++i) {
    const RunSpec& gan = plan.runs[static_cast<std::size_t>(i)];
    const RunSpec& wgan = plan.runs[static_cast<std::size_t>(100 + i)];
    ASSERT_EQ(gan.settings.variant, "gan");
    ASSERT_EQ(wgan.settings.variant, "wgan-gp");
    // Both variants see the same draw i.
    EXPECT_EQ(gan.settings.lr_g, wgan.settings.lr_g) << i;
    EXPECT_EQ(gan.settings.n_critic, wgan.settings.n_critic) << i;
    EXPECT_EQ(gan.settings.beta1, wgan.settings.beta1) << i;
    EXPECT_EQ(gan.id.rfind("gan-d" + std::to_string(i) + "-", 0), 0u) << gan.id;
    EXPECT_EQ(gan.draw, i);
    // Each value is the documented function of (seed 7, i, key), to the 6 digits written.
    const double lr = std::pow(10.0, -5.0 + 3.0 * uniform_from_digest(7, i, "lr"));
    EXPECT_NEAR(gan.settings.lr_g, lr, 5e-6 * lr) << i;
    EXPECT_EQ(gan.settings.lr_d, gan.settings.lr_g);
    EXPECT_EQ(gan.settings.n_critic,
              1 + static_cast<int64_t>(5 * uniform_from_digest(7, i, "n_critic")))
        << i;
    EXPECT_NEAR(gan.settings.beta1, uniform_from_digest(7, i, "beta1"), 5e-6) << i;
  }
  // Reproducible from the file alone; another seed draws other values.
  const SweepPlan again = parse_sweep(text, "rs.yaml");
  for (std::size_t i = 0; i < 200; ++i) EXPECT_EQ(again.runs[i].id, plan.runs[i].id);
  std::string other = text;
  other.replace(other.find("seed: 7"), 7, "seed: 8");
  EXPECT_NE(parse_sweep(other, "rs.yaml").runs[0].settings.lr_g, plan.runs[0].settings.lr_g);
}

TEST(SweepConfigSample, EveryDrawIsARunEvenWithRepeatedValues) {
  // 10 draws from 2 values repeat settings: still 10 runs per grid point, named by their draw;
  // a second map with the same point shares its draws (the same runs), not new ones.
  const SweepPlan plan = parse_sweep(R"(name: rep
grid:
  - {variant: [gan]}
  - {variant: [gan, lsgan]}
sample: {count: 10, n_critic: {choice: [1, 2]}}
)",
                                     "r.yaml");
  ASSERT_EQ(plan.runs.size(), 20u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 20; ++i) {
    ids.insert(plan.runs[i].id);
    EXPECT_EQ(plan.runs[i].draw, static_cast<int64_t>(i % 10));
    EXPECT_EQ(plan.runs[i].settings.variant, i < 10 ? "gan" : "lsgan");
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST(SweepConfigSample, DrawsFollowTheirDistributions) {
  // 4,000 draws, seed 0. Tolerances are 4 standard errors of each statistic (a correct sampler
  // fails one of the checks with probability well under 1e-3; the seed makes it deterministic).
  const SweepPlan plan = parse_sweep(R"(name: dist
sample:
  count: 4000
  lr: {log_uniform: [1.0e-5, 1.0e-2]}
  n_critic: {choice: [1, 2, 3, 4, 5]}
  beta1: {uniform: [0.0, 1.0]}
)",
                                     "d.yaml");
  const double n = 4000;
  ASSERT_EQ(plan.runs.size(), 4000u);
  std::vector<double> log_lr, beta1;
  std::vector<int> counts(6, 0);
  for (const auto& r : plan.runs) {
    log_lr.push_back(std::log10(r.settings.lr_g));
    beta1.push_back(r.settings.beta1);
    ASSERT_GE(r.settings.n_critic, 1);
    ASSERT_LE(r.settings.n_critic, 5);
    ++counts[static_cast<std::size_t>(r.settings.n_critic)];
  }
  // log10(lr) ~ U[-5, -2]: mean -3.5, sd 3 / sqrt(12); beta1 ~ U[0, 1]: mean 0.5, sd 1 / sqrt(12).
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  EXPECT_NEAR(mean(log_lr), -3.5, 4 * (3 / std::sqrt(12.0)) / std::sqrt(n));
  EXPECT_NEAR(mean(beta1), 0.5, 4 * (1 / std::sqrt(12.0)) / std::sqrt(n));
  for (double x : log_lr) {
    EXPECT_GE(x, -5.0 - 1e-9);
    EXPECT_LE(x, -2.0 + 1e-9);
  }
  // Kolmogorov-Smirnov distance to the uniform CDFs: 1.95 / sqrt(n) is the 0.1% critical value.
  auto ks = [&](std::vector<double> v, double lo, double hi) {
    std::sort(v.begin(), v.end());
    double d = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double cdf = (v[i] - lo) / (hi - lo);
      d = std::max({d, std::abs(cdf - static_cast<double>(i) / n),
                    std::abs(cdf - static_cast<double>(i + 1) / n)});
    }
    return d;
  };
  EXPECT_LT(ks(log_lr, -5, -2), 1.95 / std::sqrt(n));
  EXPECT_LT(ks(beta1, 0, 1), 1.95 / std::sqrt(n));
  // Each choice with probability 1/5: count within 4 sd of n / 5.
  for (int c = 1; c <= 5; ++c)
    EXPECT_NEAR(counts[static_cast<std::size_t>(c)], n / 5, 4 * std::sqrt(n * 0.2 * 0.8)) << c;
}

TEST(SweepConfigGrid, LayersTopThenVariantThenGrid) {
  const SweepPlan plan = parse_sweep(R"(name: layers
lr: 1e-3          # top: overridden by the grid
n_critic: 2       # top: overridden by variants.gan
z_dim: 32         # top: overridden by variants.gan
beta1: 0.1        # top only
train: {batch: 16, steps: 50}
variants:
  gan: {n_critic: 3, z_dim: 64}
grid:
  lr: [1e-4, 2e-4]
  seed: [7]
)",
                                     "l.yaml");
  ASSERT_EQ(plan.runs.size(), 2u);
  for (const auto& run : plan.runs) {
    EXPECT_EQ(run.settings.n_critic, 3);  // variants.gan beats top
    EXPECT_EQ(run.settings.z_dim, 64);
    EXPECT_EQ(run.settings.beta1, 0.1);    // top beats defaults
    EXPECT_EQ(run.settings.beta2, 0.999);  // default
    EXPECT_EQ(run.settings.batch, 16);
    EXPECT_EQ(run.settings.steps, 50);
    EXPECT_EQ(run.settings.epochs, 0);
    EXPECT_EQ(run.settings.seed, 7);
  }
  EXPECT_EQ(plan.runs[0].settings.lr_g, 1e-4);  // grid beats top
  EXPECT_EQ(plan.runs[1].settings.lr_d, 2e-4);
  // seed has one value: a grid key, but not varying.
  EXPECT_EQ(plan.varying_keys, (std::vector<std::string>{"lr"}));
}

TEST(SweepConfigGrid, BetasGridTakesPairs) {
  const SweepPlan plan = parse_sweep("grid:\n  betas: [[0.5, 0.999], [0.0, 0.9]]\n", "b.yaml");
  ASSERT_EQ(plan.runs.size(), 2u);
  EXPECT_EQ(plan.runs[1].settings.beta1, 0.0);
  EXPECT_EQ(plan.runs[1].settings.beta2, 0.9);
  EXPECT_EQ(plan.runs[1].grid_point[0].second, "0e0,9e-1");
}

// ---------------------------------------------------------------------------------------------
// Run ids.

// Plain loops rather than std::regex, which trips GCC 12 warnings under the sanitizers.
bool is_hash8(const std::string& s) {
  return s.size() == 8 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}
bool is_filename_safe(const std::string& s) {
  return !s.empty() && s.find_first_not_of(
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                           "0123456789._+-") == std::string::npos;
}

std::string prefix_of(const std::string& id) { return id.substr(0, id.size() - 9); }
std::string hash_of(const std::string& id) { return id.substr(id.size() - 8); }

TEST(SweepConfigRunId, ReadablePrefixListsVaryingKeysInCanonicalOrder) {
  // File order seed, n_critic, lr; canonical order lr, n_critic, seed. batch has one value.
  const SweepPlan plan = parse_sweep(
      "grid:\n  seed: [0, 1]\n  n_critic: [1, 5]\n  lr: [1e-4, 2e-4]\n  batch: [64]\n", "r.yaml");
  ASSERT_EQ(plan.runs.size(), 8u);
  // Run 3 = seed index 0, n_critic index 1, lr index 1 (0*4 + 1*2 + 1).
  const std::string& id = plan.runs[3].id;
  EXPECT_EQ(prefix_of(id), "gan-lr2e-4-nc5-s0") << id;
  EXPECT_EQ(id[id.size() - 9], '-');
  EXPECT_TRUE(is_hash8(hash_of(id))) << id;
  EXPECT_EQ(prefix_of(plan.runs[0].id), "gan-lr1e-4-nc1-s0");
  EXPECT_EQ(prefix_of(plan.runs[7].id), "gan-lr2e-4-nc5-s1");
}

TEST(SweepConfigRunId, NamesAppearAsBareValues) {
  const SweepPlan plan = parse_sweep(
      "grid:\n  dataset: [mnist, fashion-mnist]\n  dtype: [float32, float64]\n  z_dim: [8, 16]\n",
      "r.yaml");
  ASSERT_EQ(plan.runs.size(), 8u);
  EXPECT_EQ(prefix_of(plan.runs[0].id), "gan-mnist-z8-float32");
  EXPECT_EQ(prefix_of(plan.runs[7].id), "gan-fashion-mnist-z16-float64");
}

TEST(SweepConfigRunId, HashIsSha256OfResolvedYamlWithoutDataDirAndLogEvery) {
  // Every field set explicitly so the expected text does not depend on defaults.
  RunSettings s;
  s.variant = "gan";
  s.arch = "mlp";
  s.dataset = "mnist";
  s.data_dir = "data/mnist";
  s.split = "train";
  s.lr_g = 2e-4;
  s.lr_d = 1e-4;
  s.beta1 = 0.5;
  s.beta2 = 0.999;
  s.n_critic = 5;
  s.batch = 64;
  s.epochs = 0;
  s.steps = 1000;
  s.seed = 3;
  s.z_dim = 100;
  s.dtype = "float32";
  s.log_every = 50;
  s.sample_every = 500;
  // Hashed text = to_yaml(s) minus the data_dir and log_every lines:
  //   preset: ""\nvariant: gan\narch: mlp\ndataset: mnist\nsplit: train\noptimizer_g: adam\n
  //   optimizer_d: adam\nlr_g: 2e-4\nlr_d: 1e-4\nbeta1: 5e-1\nbeta2: 9.99e-1\nmomentum: 0e0\n
  //   rmsprop_alpha: 9.9e-1\nweight_decay: 0e0\nn_critic: 5\nbatch: 64\nepochs: 0\n
  //   steps: 1000\nseed: 3\nz_dim: 100\nz_dist: normal\npixel_range: pm1\ndtype: float32\n
  //   reduced_precision: none\ng_loss: nonsat\nclip: weights\nclip_value: 1e-2\n
  //   gp_lambda: 1e1\ncritic_norm: auto\ng_norm: auto\nhinge: sample\npullaway: paper\nmargin:
  //   1e0\npt_weight: 1e-1\n gamma: 5e-1\nlambda_k: 1e-3\nlr_schedule: none\ninfo_weight: 1e0\n
  //   info_optimizer: joint\ntoy_depth: 3\ntoy_width: 512\nbase_width: 64\nsample_every: 500\n
  // python3 -c "import hashlib; print(hashlib.sha256(TEXT.encode()).hexdigest()[:8])" -> 0d36dfcb
  EXPECT_EQ(make_run_id(s, {}), "gan-0d36dfcb");
  EXPECT_EQ(make_run_id(s, {"n_critic", "lr_g", "seed"}), "gan-lrg2e-4-nc5-s3-0d36dfcb");
  // Where the data lives and how often it logs are not part of the experiment.
  RunSettings moved = s;
  moved.data_dir = "/elsewhere/mnist";
  moved.log_every = 1;
  // Nor how often and on how many samples it is evaluated (evaluation draws its own noise).
  moved.eval_every = -2;
  moved.eval_samples = 500;
  EXPECT_EQ(make_run_id(moved, {}), "gan-0d36dfcb");
  // A setting added after ids were first issued is hashed only away from its old behaviour:
  // at its default the id is the one runs had before it existed.
  RunSettings bounded = s;
  bounded.critic_output = "sigmoid";
  EXPECT_NE(make_run_id(bounded, {}), "gan-0d36dfcb");
  bounded.critic_output = "linear";
  bounded.energy_target = "attached";
  EXPECT_EQ(make_run_id(bounded, {}), "gan-0d36dfcb");
  bounded.energy_target = "detached";
  EXPECT_NE(make_run_id(bounded, {}), "gan-0d36dfcb");
  // Anything else is.
  RunSettings other = s;
  other.sample_every = 501;
  EXPECT_NE(make_run_id(other, {}), "gan-0d36dfcb");
}

TEST(SweepConfigRunId, StableAcrossParses) {
  const std::string text = "train: {batch: 32}\ngrid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1]\n";
  const SweepPlan a = parse_sweep(text, "a.yaml");
  const SweepPlan b = parse_sweep(text, "elsewhere/b.yaml");
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (std::size_t i = 0; i < a.runs.size(); ++i) EXPECT_EQ(a.runs[i].id, b.runs[i].id);
  // The same settings written differently (comments, flow vs block, 2e-4 vs 0.0002) too.
  const SweepPlan c = parse_sweep(
      "# same sweep\ntrain:\n  batch: 32\ngrid:\n  lr:\n    - 0.0001\n    - 0.0002\n  seed: [0, "
      "1]\n",
      "c.yaml");
  for (std::size_t i = 0; i < a.runs.size(); ++i) EXPECT_EQ(a.runs[i].id, c.runs[i].id);
}

TEST(SweepConfigRunId, DifferentConfigsGiveDifferentIds) {
  const SweepPlan plan = parse_sweep(
      "grid:\n  lr: [1e-4, 2e-4, 1e-3]\n  n_critic: [1, 5]\n  seed: [0, 1, 2]\n", "d.yaml");
  std::set<std::string> ids, hashes;
  for (const auto& r : plan.runs) {
    ids.insert(r.id);
    hashes.insert(hash_of(r.id));
  }
  EXPECT_EQ(ids.size(), 18u);     // 3 x 2 x 3
  EXPECT_EQ(hashes.size(), 18u);  // the hash alone tells them apart
}

TEST(SweepConfigRunId, NonVaryingSettingChangesOnlyTheHash) {
  const SweepPlan a = parse_sweep("train: {batch: 64}\ngrid:\n  lr: [1e-4, 2e-4]\n", "a.yaml");
  const SweepPlan b = parse_sweep("train: {batch: 32}\ngrid:\n  lr: [1e-4, 2e-4]\n", "a.yaml");
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(prefix_of(a.runs[i].id), prefix_of(b.runs[i].id));
    EXPECT_NE(hash_of(a.runs[i].id), hash_of(b.runs[i].id));
  }
}

TEST(SweepConfigRunId, IdsAreFilenameSafe) {
  const SweepPlan plan = parse_sweep(
      "grid:\n  data_dir: [\"data/my mnist\", \"/d:x\"]\n  betas: [[0.5, 0.999], [0.0, 0.9]]\n",
      "f.yaml");
  ASSERT_EQ(plan.runs.size(), 4u);
  for (const auto& r : plan.runs) EXPECT_TRUE(is_filename_safe(r.id)) << r.id;
  // '/', ' ', ':' and ',' become '_'.
  EXPECT_EQ(prefix_of(plan.runs[0].id), "gan-data_my_mnist-bs5e-1_9.99e-1");
  EXPECT_EQ(prefix_of(plan.runs[3].id), "gan-_d_x-bs0e0_9e-1");
}

TEST(SweepConfigRunId, MakeSingleRunHasNoVaryingKeys) {
  RunSettings s;
  s.epochs = 3;
  const RunSpec spec = make_single_run(s);
  EXPECT_EQ(spec.id.size(), 12u) << spec.id;  // "gan-" + 8 hex digits
  EXPECT_EQ(spec.id.rfind("gan-", 0), 0u) << spec.id;
  EXPECT_TRUE(is_hash8(hash_of(spec.id))) << spec.id;
  EXPECT_EQ(spec.id, make_run_id(s, {}));
  EXPECT_TRUE(spec.grid_point.empty());
  // Same as a sweep file with the same resolved settings and no grid.
  EXPECT_EQ(parse_sweep("train: {epochs: 3}\n", "s.yaml").runs[0].id, spec.id);
  s.lr_g = -1;
  EXPECT_THROW(make_single_run(s), ConfigError);
}

// ---------------------------------------------------------------------------------------------
// canonical_float and the typo suggestion.

struct FloatCase {
  double value;
  const char* text;
};

TEST(SweepConfigCanonicalFloat, Table) {
  const FloatCase cases[] = {
      {2e-4, "2e-4"},
      {0.0015, "1.5e-3"},
      {0.5, "5e-1"},
      {1.0, "1e0"},
      {10.0, "1e1"},
      {0.999, "9.99e-1"},
      {1e-5, "1e-5"},
      {123456.0, "1.23456e5"},
      {-0.25, "-2.5e-1"},
      {0.0, "0e0"},
      {1e300, "1e300"},
      {100.0, "1e2"},
      // 0.1 + 0.2 is not 0.3: its shortest round-trip form needs 17 digits.
      {0.1 + 0.2, "3.0000000000000004e-1"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(canonical_float(c.value), c.text);
    EXPECT_EQ(std::strtod(canonical_float(c.value).c_str(), nullptr), c.value) << c.text;
  }
}

TEST(SweepConfigDidYouMean, EditDistanceAndSuggestion) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("btach", "batch"), 1u);  // one transposition
  EXPECT_EQ(edit_distance("n_critc", "n_critic"), 1u);
  const std::vector<std::string> keys{"lr", "n_critic", "batch", "seed"};
  EXPECT_EQ(closest_match("N-Critic", keys), "n_critic");  // case and '-' are free
  EXPECT_EQ(closest_match("sed", keys), "seed");
  EXPECT_EQ(closest_match("xy", keys), std::nullopt);  // 2 edits from lr, but too short
  EXPECT_EQ(did_you_mean("bathc", keys), " (did you mean 'batch'?)");
  EXPECT_EQ(did_you_mean("learning_rate", keys), "");
}

// ---------------------------------------------------------------------------------------------
// first_differing_key.

const char* const kBase = R"(name: s
train: {epochs: 3, batch: 64}
grid:
  lr: [1e-4, 2e-4]
  seed: [0, 1]
)";

TEST(SweepConfigDiff, CommentsLayoutAndKeyOrderAreNotDifferences) {
  EXPECT_EQ(first_differing_key(kBase, kBase), std::nullopt);
  EXPECT_EQ(first_differing_key(kBase, R"(# the same sweep, reformatted
grid:
  seed:
    - 0
    - 1          # two seeds
  lr: [0.0001, 2.0e-4]
train:
  batch: 64
  epochs: 3
name: s
)"),
            std::nullopt);
}

TEST(SweepConfigDiff, NamesTheFirstDifferingPath) {
  EXPECT_EQ(first_differing_key(kBase,
                                "name: s\ntrain: {epochs: 3, batch: 64}\n"
                                "grid:\n  lr: [1e-4, 3e-4]\n  seed: [0, 1]\n"),
            "grid.lr");
  // A list of another length is a difference of the list.
  EXPECT_EQ(first_differing_key(kBase,
                                "name: s\ntrain: {epochs: 3, batch: 64}\n"
                                "grid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1, 2]\n"),
            "grid.seed");
  EXPECT_EQ(first_differing_key(kBase,
                                "name: s\ntrain: {epochs: 3, batch: 32}\n"
                                "grid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1]\n"),
            "train.batch");
  // Added keys: inside a map, and a whole new section.
  EXPECT_EQ(first_differing_key(kBase, std::string(kBase) + "  n_critic: [1, 5]\n"),
            "grid.n_critic");
  EXPECT_EQ(first_differing_key(kBase, std::string(kBase) + "variants: {gan: {z_dim: 8}}\n"),
            "variants");
  // Removed key.
  EXPECT_EQ(first_differing_key(kBase,
                                "name: s\ntrain: {epochs: 3}\n"
                                "grid:\n  lr: [1e-4, 2e-4]\n  seed: [0, 1]\n"),
            "train.batch");
  // Type change: a number where a quoted string was.
  EXPECT_EQ(first_differing_key("train: {batch: \"64\"}\n", "train: {batch: 64}\n"), "train.batch");
}

TEST(SweepConfigDiff, UnparsableOldTextIsTheWholeFile) {
  EXPECT_EQ(first_differing_key("grid: [1, 2\n", kBase), "(whole file)");
}

TEST(SweepConfigParse, MemoryBudgetTakesBinaryUnits) {
  // 512MiB = 512 * 2^20 = 536,870,912 bytes; the default is 4 GiB = 4,294,967,296.
  EXPECT_EQ(parse_sweep("dataset: {name: mnist, memory_budget: 512MiB}\n", "m.yaml").memory_budget,
            536870912);
  EXPECT_EQ(parse_sweep("dataset: {name: mnist}\n", "m.yaml").memory_budget, 4294967296);
  EXPECT_EQ(parse_byte_size("100KiB", "x"), 102400);
  EXPECT_EQ(parse_byte_size("1000", "x"), 1000);
  EXPECT_THROW(parse_byte_size("1.5GiB", "x"), ConfigError);
  EXPECT_THROW(parse_byte_size("-1", "x"), ConfigError);
  // 2^50 bytes (1 PiB) is the most; a number too long for int64 is the same ConfigError.
  EXPECT_EQ(parse_byte_size("1048576GiB", "x"), int64_t{1} << 50);
  EXPECT_THROW(parse_byte_size("1048577GiB", "x"), ConfigError);
  EXPECT_THROW(parse_byte_size("99999999999999999999", "x"), ConfigError);
}

// ---- packing (runner/pack_plan.h) --------------------------------------------------------

// A grid of lr x seed for two variants (which never share a pack), 2 x 3 each.
SweepPlan pack_grid(const std::string& pack) {
  return parse_sweep(R"(
dataset: mnist
train: {steps: 10}
arch: mlp
pack: )" + pack + R"(
grid:
  variant: [gan, cgan]
  lr: [1.0e-4, 2.0e-4]
  seed: [0, 1, 2]
)",
                     "p.yaml");
}

std::vector<int64_t> all_runs(const SweepPlan& plan) {
  std::vector<int64_t> v(plan.runs.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i);
  return v;
}

TEST(PackPlan, FixedSizePacksCompatibleRunsInNearEqualPacks) {
  const auto plan = pack_grid("4");
  EXPECT_EQ(plan.pack, "4");
  ASSERT_EQ(plan.runs.size(), 12u);      // gan 0..5, cgan 6..11 (the last grid key varies fastest)
  EXPECT_NO_THROW(check_packing(plan));  // every variant packs
  const auto packs = plan_packs(plan, all_runs(plan), 1, 8);
  // Each variant's 6 runs: ceil(6 / 4) = 2 packs of 3 (not 4 + 2), in plan order.
  std::vector<size_t> sizes;
  for (const auto& p : packs) sizes.push_back(p.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 3}));
  EXPECT_EQ(packs.front(), (std::vector<int64_t>{0, 1, 2}));
  for (const auto& p : packs) {
    for (const int64_t i : p) {
      EXPECT_EQ(plan.runs[static_cast<size_t>(i)].settings.variant,
                plan.runs[static_cast<size_t>(p.front())].settings.variant);
    }
  }
}

TEST(PackPlan, AutoGivesEveryRunGroupAPackAndOffPacksNothing) {
  const auto plan = pack_grid("auto");
  EXPECT_NO_THROW(check_packing(plan));
  // Per variant: 2 run groups -> 2 packs of 3; 1 group: one pack of 6; limit 4: 2 of 3.
  auto sizes = [&](int64_t workers, int64_t limit) {
    std::vector<size_t> out;
    for (const auto& p : plan_packs(plan, all_runs(plan), workers, limit))
      if (p.size() > 1) out.push_back(p.size());
    return out;
  };
  EXPECT_EQ(sizes(2, 8), (std::vector<size_t>{3, 3, 3, 3}));
  EXPECT_EQ(sizes(1, 8), (std::vector<size_t>{6, 6}));
  EXPECT_EQ(sizes(1, 4), (std::vector<size_t>{3, 3, 3, 3}));
  // Only the runs still to do are packed (finished ones are skipped before).
  const auto some = plan_packs(plan, {1, 3, 5}, 1, 8);
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some.front(), (std::vector<int64_t>{1, 3, 5}));
  const auto off = pack_grid("off");
  EXPECT_EQ(plan_packs(off, all_runs(off), 1, 8).size(), 12u);
}

TEST(PackPlan, AutoTakesEachGroupsMeasuredLimit) {
  const auto plan = pack_grid("auto");
  // The gan group measured at 2 (3 packs of 2); the cgan group unmeasured: the fallback, 8.
  AutoPackLimits limits{8, {{pack_group_key(plan.runs[0].settings), 2}}};
  EXPECT_EQ(limits.limit_for(plan.runs[5].settings), 2);
  EXPECT_EQ(limits.limit_for(plan.runs[6].settings), 8);
  std::vector<size_t> sizes;
  for (const auto& p : plan_packs(plan, all_runs(plan), 1, limits)) sizes.push_back(p.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 2, 6}));
  EXPECT_EQ(auto_pack_wanted(6, 4), 2);
  EXPECT_EQ(auto_pack_wanted(3, 4), 1);
  EXPECT_EQ(compatible_groups(plan, all_runs(plan)).size(), 2u);
}

TEST(PackPlan, RunsDifferingInAnotherKeyDoNotPack) {
  const auto plan = parse_sweep(R"(
dataset: mnist
train: {steps: 10}
pack: 8
grid:
  lr: [1.0e-4, 2.0e-4]
  batch: [16, 32]
)",
                                "p.yaml");
  const auto packs = plan_packs(plan, all_runs(plan), 1, 8);
  ASSERT_EQ(packs.size(), 2u);
  for (const auto& p : packs) {
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(plan.runs[static_cast<size_t>(p[0])].settings.batch,
              plan.runs[static_cast<size_t>(p[1])].settings.batch);
  }
  EXPECT_THROW(parse_pack_setting("-3", "--pack"), ConfigError);
  EXPECT_EQ(parse_pack_setting("16", "--pack"), "16");
}

}  // namespace
}  // namespace ganrun
