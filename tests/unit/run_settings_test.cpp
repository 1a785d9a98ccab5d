// tests/unit/run_settings_test.cpp — RunSettings: validate() names the key of a bad value,
// to_yaml is canonical and reads back through yaml-cpp, setting_text for grid points and ids.
#include "runner/run_settings.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "runner/config_error.h"

namespace ganrun {
namespace {

// Defaults plus the documented default length (RunSettings leaves epochs/steps at 0 = unset).
RunSettings valid() {
  RunSettings s;
  s.epochs = kDefaultEpochs;
  return s;
}

std::string validate_error(const RunSettings& s) {
  try {
    validate(s);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunSettingsKeys, CanonicalOrder) {
  EXPECT_EQ(run_setting_keys(), (std::vector<std::string>{"preset",
                                                          "variant",
                                                          "arch",
                                                          "dataset",
                                                          "data_dir",
                                                          "split",
                                                          "optimizer",
                                                          "optimizer_g",
                                                          "optimizer_d",
                                                          "lr",
                                                          "lr_g",
                                                          "lr_d",
                                                          "beta1",
                                                          "beta2",
                                                          "betas",
                                                          "momentum",
                                                          "rmsprop_alpha",
                                                          "weight_decay",
                                                          "n_critic",
                                                          "batch",
                                                          "epochs",
                                                          "steps",
                                                          "seed",
                                                          "z_dim",
                                                          "z_dist",
                                                          "pixel_range",
                                                          "dtype",
                                                          "reduced_precision",
                                                          "g_loss",
                                                          "clip",
                                                          "clip_value",
                                                          "gp_lambda",
                                                          "critic_output",
                                                          "ls_scale",
                                                          "penalty_output",
                                                          "info_source",
                                                          "generator_noise",
                                                          "bn_init",
                                                          "epoch_tail",
                                                          "critic_norm",
                                                          "g_norm",
                                                          "hinge",
                                                          "pullaway",
                                                          "energy_target",
                                                          "margin",
                                                          "pt_weight",
                                                          "gamma",
                                                          "lambda_k",
                                                          "lr_schedule",
                                                          "info_weight",
                                                          "info_optimizer",
                                                          "toy_depth",
                                                          "toy_width",
                                                          "base_width",
                                                          "log_every",
                                                          "sample_every",
                                                          "eval_every",
                                                          "eval_at_start",
                                                          "eval_samples",
                                                          "checkpoint_every"}));
}

TEST(RunSettingsValidate, ReducedPrecisionIsForFloat32Only) {
  RunSettings s = valid();
  s.reduced_precision = "tf32";
  EXPECT_EQ(validate_error(s), "");
  s.dtype = "float64";
  EXPECT_EQ(validate_error(s),
            "reduced_precision tf32 applies to float32 only (dtype is float64); set "
            "reduced_precision: none");
  s.reduced_precision = "bf16";
  EXPECT_NE(validate_error(s).find("reduced_precision"), std::string::npos);
}

TEST(RunSettingsValidate, DefaultsWithALengthAreValid) {
  EXPECT_EQ(validate_error(valid()), "");
  RunSettings steps = valid();
  steps.epochs = 0;
  steps.steps = 10;
  EXPECT_EQ(validate_error(steps), "");
}

TEST(RunSettingsValidate, NamesTheKeyOfABadValue) {
  struct Case {
    void (*mutate)(RunSettings&);
    const char* message;
  };
  const Case cases[] = {
      {[](RunSettings& s) { s.lr_g = -1; }, "lr_g must be > 0 (got -1)"},
      {[](RunSettings& s) { s.lr_d = 0; }, "lr_d must be > 0 (got 0)"},
      {[](RunSettings& s) { s.beta1 = 1.0; }, "beta1 must be in [0, 1) (got 1)"},
      {[](RunSettings& s) { s.beta2 = -0.5; }, "beta2 must be in [0, 1) (got -0.5)"},
      {[](RunSettings& s) { s.n_critic = 0; }, "n_critic must be >= 1 (got 0)"},
      {[](RunSettings& s) { s.batch = 0; }, "batch must be >= 1 (got 0)"},
      {[](RunSettings& s) { s.seed = -1; }, "seed must be >= 0 (got -1)"},
      {[](RunSettings& s) { s.z_dim = 0; }, "z_dim must be >= 1 (got 0)"},
      {[](RunSettings& s) { s.log_every = 0; }, "log_every must be >= 1 (got 0)"},
      // A negative interval is one in epochs (-N = {epochs: N}); a count must still be >= 1.
      {[](RunSettings& s) { s.eval_samples = 0; }, "eval_samples must be >= 1 (got 0)"},
      {[](RunSettings& s) { s.epochs = -2; }, "epochs must be >= 1 (got -2)"},
      {[](RunSettings& s) { s.steps = 5; }, "epochs (30) and steps (5) are both set"},
      {[](RunSettings& s) { s.epochs = 0; }, "neither epochs nor steps is set"},
      {[](RunSettings& s) { s.variant = "ebgan"; },
       "variant 'ebgan' does not accept arch 'mlp' (accepted: ae28, ae32)"},
      {[](RunSettings& s) { s.gamma = 1.5; }, "gamma must be in [0, 1] (got 1.5)"},
      {[](RunSettings& s) { s.clip_value = 0; }, "clip_value must be > 0 (got 0)"},
      {[](RunSettings& s) { s.hinge = "mean"; }, "hinge 'mean' is not a known hinge"},
      {[](RunSettings& s) { s.arch = "mlpp"; },
       "arch 'mlpp' is not a known arch (did you mean 'mlp'?)"},
      {[](RunSettings& s) { s.dataset = "toy-grid25"; },
       "arch 'mlp' needs images; 2-D toy data sets train with arch 'toy'"},
      {[](RunSettings& s) { s.split = "val"; }, "split 'val' is not a known split"},
      {[](RunSettings& s) { s.dtype = "float16"; }, "dtype 'float16' is not a known dtype"},
  };
  for (const auto& c : cases) {
    RunSettings s = valid();
    c.mutate(s);
    const std::string msg = validate_error(s);
    EXPECT_EQ(msg.rfind(c.message, 0), 0u) << "got: " << msg << "\nwant: " << c.message;
  }
}

std::string set_text_error(const std::string& key, const std::string& text) {
  RunSettings s;
  try {
    set_setting_text(s, key, text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunSettingsValidate, IntegerTextMustFitInt64) {
  // Text reaches integer keys from presets and generic train flags (--toy-width 1e300): a
  // whole number beyond int64 is named, not cast (which gave 'got -9223372036854775808').
  const std::string range = "between -9223372036854775808 and 9223372036854775807";
  EXPECT_EQ(set_text_error("toy_width", "1e300"),
            "toy_width must be an integer " + range + " (got '1e300')");
  EXPECT_EQ(set_text_error("steps", "9223372036854775808"),  // 2^63
            "steps must be an integer " + range + " (got '9223372036854775808')");
  EXPECT_EQ(set_text_error("z_dim", "inf"), "z_dim must be an integer " + range + " (got 'inf')");
  EXPECT_EQ(set_text_error("seed", "nan"), "seed must be an integer (got 'nan')");
  RunSettings s;
  set_setting_text(s, "steps", "9223372036854775807");  // 2^63 - 1, read exactly
  EXPECT_EQ(s.steps, INT64_MAX);
  set_setting_text(s, "toy_width", "1e3");
  EXPECT_EQ(s.toy_width, 1000);
  EXPECT_EQ(set_text_error("log_every", "0"), "log_every must be >= 1 (got 0)");
}

TEST(RunSettingsValidate, NanIsOutOfRange) {
  RunSettings s = valid();
  s.beta1 = std::nan("");
  EXPECT_THROW(validate(s), ConfigError);
}

TEST(RunSettingsYaml, CanonicalText) {
  RunSettings s = valid();
  s.dataset = "mnist";
  s.lr_d = 1e-4;
  EXPECT_EQ(to_yaml(s),
            "preset: \"\"\n"  // empty would read back as null: quoted
            "variant: gan\n"
            "arch: mlp\n"
            "dataset: mnist\n"
            "data_dir: \"\"\n"
            "split: train\n"
            "optimizer_g: adam\n"
            "optimizer_d: adam\n"
            "lr_g: 2e-4\n"
            "lr_d: 1e-4\n"
            "beta1: 5e-1\n"
            "beta2: 9.99e-1\n"
            "momentum: 0e0\n"
            "rmsprop_alpha: 9.9e-1\n"
            "weight_decay: 0e0\n"
            "n_critic: 1\n"
            "batch: 64\n"
            "epochs: 30\n"
            "steps: 0\n"
            "seed: 0\n"
            "z_dim: 100\n"
            "z_dist: normal\n"
            "pixel_range: pm1\n"
            "dtype: float32\n"
            "reduced_precision: none\n"
            "g_loss: nonsat\n"
            "clip: weights\n"
            "clip_value: 1e-2\n"
            "gp_lambda: 1e1\n"
            "critic_output: linear\n"
            "ls_scale: half\n"
            "penalty_output: logit\n"
            "info_source: own\n"
            "generator_noise: fresh\n"
            "bn_init: ones\n"
            "epoch_tail: skip\n"
            "critic_norm: auto\n"
            "g_norm: auto\n"
            "hinge: sample\n"
            "pullaway: paper\n"
            "energy_target: attached\n"
            "margin: 1e0\n"
            "pt_weight: 1e-1\n"
            "gamma: 5e-1\n"
            "lambda_k: 1e-3\n"
            "lr_schedule: none\n"
            "info_weight: 1e0\n"
            "info_optimizer: joint\n"
            "toy_depth: 3\n"
            "toy_width: 512\n"
            "base_width: 64\n"
            "log_every: 100\n"
            "sample_every: 500\n"
            "eval_every: 0\n"
            "eval_at_start: no\n"
            "eval_samples: 2000\n"
            "checkpoint_every: 0\n");
}

RunSettings read_back(const std::string& yaml) {
  const YAML::Node n = YAML::Load(yaml);
  RunSettings r;
  r.variant = n["variant"].as<std::string>();
  r.arch = n["arch"].as<std::string>();
  r.dataset = n["dataset"].as<std::string>();
  r.data_dir = n["data_dir"].as<std::string>();
  r.split = n["split"].as<std::string>();
  r.lr_g = n["lr_g"].as<double>();
  r.lr_d = n["lr_d"].as<double>();
  r.beta1 = n["beta1"].as<double>();
  r.beta2 = n["beta2"].as<double>();
  r.n_critic = n["n_critic"].as<int64_t>();
  r.batch = n["batch"].as<int64_t>();
  r.epochs = n["epochs"].as<int64_t>();
  r.steps = n["steps"].as<int64_t>();
  r.seed = n["seed"].as<int64_t>();
  r.z_dim = n["z_dim"].as<int64_t>();
  r.dtype = n["dtype"].as<std::string>();
  r.log_every = n["log_every"].as<int64_t>();
  r.sample_every = n["sample_every"].as<int64_t>();
  return r;
}

TEST(RunSettingsYaml, RoundTripsThroughYamlCpp) {
  RunSettings s = valid();
  s.lr_g = 0.1 + 0.2;  // needs all 17 digits
  s.lr_d = 1.2345678901234567e-7;
  s.beta1 = 0.0;
  s.beta2 = 0.9;
  s.n_critic = 5;
  s.seed = 9007199254740993;  // 2^53 + 1: not representable as a double, kept as an integer
  s.steps = 1000;
  s.epochs = 0;
  // Paths that would not read back as plain scalars.
  for (const char* dir : {"", "data/mnist", "null", "~", "my data: #1", "./rel", "-x", "\"q\\\"",
                          "tab\there", "1e5"}) {
    s.data_dir = dir;
    const std::string yaml = to_yaml(s);
    const RunSettings r = read_back(yaml);
    EXPECT_EQ(r.data_dir, s.data_dir) << yaml;
    EXPECT_EQ(to_yaml(r), yaml);
    EXPECT_EQ(r.lr_g, s.lr_g);
    EXPECT_EQ(r.lr_d, s.lr_d);
    EXPECT_EQ(r.beta1, s.beta1);
    EXPECT_EQ(r.beta2, s.beta2);
    EXPECT_EQ(r.seed, s.seed);
    EXPECT_EQ(r.steps, s.steps);
  }
}

TEST(RunSettingsText, CanonicalValueText) {
  RunSettings s = valid();
  s.lr_g = s.lr_d = 2e-4;
  EXPECT_EQ(setting_text(s, "lr"), "2e-4");
  EXPECT_EQ(setting_text(s, "betas"), "5e-1,9.99e-1");
  EXPECT_EQ(setting_text(s, "batch"), "64");
  EXPECT_EQ(setting_text(s, "dataset"), "fashion-mnist");
  s.lr_d = 1e-4;  // set apart: lr shows both
  EXPECT_EQ(setting_text(s, "lr"), "2e-4,1e-4");
  EXPECT_THROW(setting_text(s, "out"), std::invalid_argument);
}

}  // namespace
}  // namespace ganrun
