// tests/unit/presets_test.cpp — presets resolve to the values their sources state (the numbers
// below are read off the sources named in each comment, not off runner/presets.cpp), explicit
// settings win, and the per-run keys added with the variants parse, check and round-trip.
#include "runner/presets.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "runner/config_error.h"
#include "runner/run_settings.h"
#include "runner/sweep_config.h"

namespace ganrun {
namespace {

RunSettings with_preset(const std::string& preset, const std::string& variant,
                        const std::set<std::string>& explicit_fields = {}) {
  RunSettings s;
  s.variant = variant;
  apply_preset(s, preset, explicit_fields);
  return s;
}

TEST(Presets, CollectionMatchesTheCollectionsFiles) {
  // main.py @4caaace: --batch_size 64, --epoch 50, --lrG/--lrD 0.0002, --beta1 0.5, --beta2
  // 0.999; every model file: z_dim 62 drawn by torch.rand; WGAN.py: c = 0.01, n_critic = 5,
  // clamps all D.parameters().
  const RunSettings w = with_preset("collection", "wgan");
  EXPECT_EQ(w.preset, "collection");
  EXPECT_EQ(w.batch, 64);
  EXPECT_EQ(w.epochs, 50);
  EXPECT_DOUBLE_EQ(w.lr_g, 2e-4);
  EXPECT_DOUBLE_EQ(w.lr_d, 2e-4);
  EXPECT_DOUBLE_EQ(w.beta1, 0.5);
  EXPECT_DOUBLE_EQ(w.beta2, 0.999);
  EXPECT_EQ(w.z_dim, 62);
  EXPECT_EQ(w.z_dist, "uniform01");
  EXPECT_EQ(w.pixel_range, "pm1");
  EXPECT_EQ(w.arch, "dcgan28");
  EXPECT_EQ(w.optimizer_g, "adam");
  EXPECT_EQ(w.optimizer_d, "adam");
  EXPECT_EQ(w.clip, "all");
  EXPECT_DOUBLE_EQ(w.clip_value, 0.01);
  EXPECT_EQ(w.n_critic, 5);
  EXPECT_EQ(w.epoch_tail, "critic");  // the epoch's leftover iterations still step D
  EXPECT_EQ(with_preset("collection", "wgan-gp").epoch_tail, "critic");
  EXPECT_EQ(with_preset("collection", "gan").epoch_tail, "skip");
  // WGAN_GP.py: lambda_ = 10, n_critic = 5, BatchNorm in the critic.
  const RunSettings gp = with_preset("collection", "wgan-gp");
  EXPECT_DOUBLE_EQ(gp.gp_lambda, 10);
  EXPECT_EQ(gp.n_critic, 5);
  EXPECT_EQ(gp.critic_norm, "batch");
  // DRAGAN.py: lambda_ = 0.25, the penalty on the gradient of D's sigmoid output.
  EXPECT_DOUBLE_EQ(with_preset("collection", "dragan").gp_lambda, 0.25);
  EXPECT_EQ(with_preset("collection", "dragan").penalty_output, "sigmoid");
  EXPECT_EQ(with_preset("collection", "gan").penalty_output, "logit");  // dragan's row only
  // LSGAN.py: nn.MSELoss, no 1/2. infoGAN.py: real/fake from output column 1.
  EXPECT_EQ(with_preset("collection", "lsgan").ls_scale, "one");
  EXPECT_EQ(with_preset("collection", "infogan").info_source, "shared");
  // Every training file: the G update reuses the iteration's z_; PyTorch 0.4's BatchNorm init.
  for (const char* v : {"gan", "wgan", "ebgan", "infogan"}) {
    EXPECT_EQ(with_preset("collection", v).generator_noise, "reused") << v;
    EXPECT_EQ(with_preset("collection", v).bn_init, "uniform") << v;
  }
  // EBGAN.py: auto-encoder D, margin 1 (self.margin = 1), pt_loss_weight 0.1, batch-mean hinge.
  const RunSettings eb = with_preset("collection", "ebgan");
  EXPECT_EQ(eb.arch, "ae28");
  EXPECT_EQ(eb.hinge, "batch");
  EXPECT_EQ(eb.pullaway, "collection");
  EXPECT_EQ(eb.energy_target, "detached");  // G_loss: MSE_loss(D_fake, G_.detach())
  EXPECT_DOUBLE_EQ(eb.margin, 1.0);
  EXPECT_DOUBLE_EQ(eb.pt_weight, 0.1);
  EXPECT_EQ(eb.n_critic, 1);  // only wgan/wgan-gp set n_critic
  // BEGAN.py: gamma 1, lambda 0.001, lr fixed at 0.0002, lr halving on stalled M.
  const RunSettings be = with_preset("collection", "began");
  EXPECT_DOUBLE_EQ(be.gamma, 1.0);
  EXPECT_DOUBLE_EQ(be.lambda_k, 1e-3);
  EXPECT_DOUBLE_EQ(be.lr_g, 2e-4);
  EXPECT_EQ(be.lr_schedule, "collection");
  EXPECT_EQ(with_preset("collection", "infogan").info_optimizer, "separate");
}

TEST(Presets, PaperMatchesEachPaper) {
  // Arjovsky et al. 2017, Algorithm 1: RMSProp, alpha 5e-5, c 0.01, m 64, n_critic 5.
  const RunSettings w = with_preset("paper", "wgan");
  EXPECT_EQ(w.optimizer_g, "rmsprop");
  EXPECT_EQ(w.optimizer_d, "rmsprop");
  EXPECT_DOUBLE_EQ(w.lr_d, 5e-5);
  EXPECT_EQ(w.clip, "weights");
  EXPECT_EQ(w.n_critic, 5);
  EXPECT_EQ(w.batch, 64);
  // Gulrajani et al. 2017, Algorithm 1: lambda 10, n_critic 5, Adam 1e-4 (0, 0.9); no BN.
  const RunSettings gp = with_preset("paper", "wgan-gp");
  EXPECT_DOUBLE_EQ(gp.gp_lambda, 10);
  EXPECT_DOUBLE_EQ(gp.lr_g, 1e-4);
  EXPECT_DOUBLE_EQ(gp.beta1, 0.0);
  EXPECT_DOUBLE_EQ(gp.beta2, 0.9);
  EXPECT_EQ(gp.critic_norm, "none");
  // DRAGAN: lambda 10, Adam 1e-4 (0.5, 0.9).
  const RunSettings dr = with_preset("paper", "dragan");
  EXPECT_DOUBLE_EQ(dr.gp_lambda, 10);
  EXPECT_DOUBLE_EQ(dr.lr_d, 1e-4);
  EXPECT_DOUBLE_EQ(dr.beta2, 0.9);
  // EBGAN: per-sample hinge, per-code normalised pull-away, weight 0.1. BEGAN: gamma 0.5.
  EXPECT_EQ(with_preset("paper", "ebgan").hinge, "sample");
  EXPECT_EQ(with_preset("paper", "ebgan").pullaway, "paper");
  EXPECT_EQ(with_preset("paper", "ebgan").energy_target, "attached");
  EXPECT_EQ(with_preset("paper", "gan").generator_noise, "fresh");
  EXPECT_EQ(with_preset("paper", "gan").bn_init, "ones");
  EXPECT_DOUBLE_EQ(with_preset("paper", "began").gamma, 0.5);
  // InfoGAN appendix C.1: D 2e-4, G 1e-3.
  const RunSettings info = with_preset("paper", "infogan");
  EXPECT_DOUBLE_EQ(info.lr_d, 2e-4);
  EXPECT_DOUBLE_EQ(info.lr_g, 1e-3);
}

TEST(Presets, Cs231nAndToy2d) {
  // CS231n GANs-PyTorch: batch 128, NOISE_DIM 96, uniform [-1, 1), Adam 1e-3 (0.5, 0.999).
  const RunSettings c = with_preset("cs231n", "gan");
  EXPECT_EQ(c.arch, "mlp-small");
  EXPECT_EQ(c.batch, 128);
  EXPECT_EQ(c.z_dim, 96);
  EXPECT_EQ(c.z_dist, "uniform_pm1");
  EXPECT_DOUBLE_EQ(c.lr_g, 1e-3);
  EXPECT_DOUBLE_EQ(c.beta1, 0.5);
  // gan_toy.py: 8 Gaussians, DIM 512, 3 hidden layers, batch 256, CRITIC_ITERS 5, LAMBDA .1,
  // Adam 1e-4 (0.5, 0.9).
  const RunSettings t = with_preset("toy-2d", "wgan-gp");
  EXPECT_EQ(t.dataset, "toy-ring8");
  EXPECT_EQ(t.arch, "toy");
  EXPECT_EQ(t.toy_depth, 3);
  EXPECT_EQ(t.toy_width, 512);
  EXPECT_EQ(t.batch, 256);
  EXPECT_EQ(t.n_critic, 5);
  EXPECT_DOUBLE_EQ(t.gp_lambda, 0.1);
  EXPECT_DOUBLE_EQ(t.lr_d, 1e-4);
  EXPECT_DOUBLE_EQ(t.beta1, 0.5);
  EXPECT_DOUBLE_EQ(t.beta2, 0.9);
}

TEST(Presets, ExplicitSettingsWin) {
  RunSettings s;
  s.variant = "wgan";
  s.lr_g = 1e-3;
  s.steps = 100;
  s.arch = "mlp";
  apply_preset(s, "collection", {"lr_g", "steps", "arch"});
  EXPECT_DOUBLE_EQ(s.lr_g, 1e-3);  // explicit
  EXPECT_DOUBLE_EQ(s.lr_d, 2e-4);  // `lr` writes lr_g and lr_d: only the free one is filled
  EXPECT_EQ(s.steps, 100);
  EXPECT_EQ(s.epochs, 0);  // an explicit steps blocks the preset's epochs
  EXPECT_EQ(s.arch, "mlp");
}

TEST(Presets, UnknownPresetNamesTheKnownOnes) {
  RunSettings s;
  try {
    apply_preset(s, "colection", {});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("colection"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("collection"), std::string::npos);  // did you mean
  }
}

TEST(Presets, DescriptionListsValuesWithSources) {
  const std::string text = describe_preset(*find_preset("collection"));
  EXPECT_NE(text.find("WGAN.py"), std::string::npos);
  EXPECT_NE(text.find("4caaace"), std::string::npos);
  EXPECT_NE(describe_presets().find("toy-2d"), std::string::npos);
}

TEST(PresetSweep, PresetFillsPerVariantAndFileWins) {
  const SweepPlan plan = parse_sweep(
      "preset: collection\n"
      "train: {steps: 10}\n"
      "variants:\n"
      "  wgan: {lr: 1.0e-3}\n"
      "grid:\n"
      "  variant: [wgan, ebgan]\n",
      "p.yaml");
  ASSERT_EQ(plan.runs.size(), 2u);
  const RunSettings& w = plan.runs[0].settings;
  const RunSettings& e = plan.runs[1].settings;
  EXPECT_EQ(w.arch, "dcgan28");
  EXPECT_EQ(e.arch, "ae28");
  EXPECT_DOUBLE_EQ(w.lr_g, 1e-3);  // variants.wgan beats the preset
  EXPECT_DOUBLE_EQ(e.lr_g, 2e-4);
  EXPECT_EQ(w.steps, 10);
  EXPECT_EQ(w.epochs, 0);
  EXPECT_EQ(w.preset, "collection");
}

TEST(VariantSettingKeys, TextRoundTripAndErrors) {
  RunSettings s;
  set_setting_text(s, "gp_lambda", "0.1");
  set_setting_text(s, "hinge", "batch");
  set_setting_text(s, "toy_width", "128");
  set_setting_text(s, "betas", "[0, 0.9]");
  set_setting_text(s, "optimizer", "rmsprop");
  EXPECT_DOUBLE_EQ(s.gp_lambda, 0.1);
  EXPECT_EQ(s.hinge, "batch");
  EXPECT_EQ(s.toy_width, 128);
  EXPECT_DOUBLE_EQ(s.beta1, 0.0);
  EXPECT_DOUBLE_EQ(s.beta2, 0.9);
  EXPECT_EQ(s.optimizer_g, "rmsprop");
  EXPECT_EQ(s.optimizer_d, "rmsprop");
  EXPECT_EQ(setting_text(s, "gp_lambda"), "1e-1");
  EXPECT_THROW(set_setting_text(s, "hinge", "both"), ConfigError);
  EXPECT_THROW(set_setting_text(s, "gamma", "1.5"), ConfigError);
  EXPECT_THROW(set_setting_text(s, "toy_width", "1.5"), ConfigError);
  EXPECT_THROW(set_setting_text(s, "clip_value", "0"), ConfigError);
}

std::string compatibility(const std::string& variant, const std::string& arch,
                          const std::string& dataset) {
  RunSettings s;
  s.variant = variant;
  s.arch = arch;
  s.dataset = dataset;
  return compatibility_error(s);
}

TEST(VariantSettingKeys, WrongPairsAreNamed) {
  EXPECT_EQ(compatibility("wgan-gp", "dcgan28", "mnist"), "");
  EXPECT_EQ(compatibility("ebgan", "ae32", "cifar10"), "");
  const std::string ae = compatibility("ebgan", "mlp", "mnist");
  EXPECT_NE(ae.find("variant 'ebgan' does not accept arch 'mlp'"), std::string::npos) << ae;
  EXPECT_NE(ae.find("ae28"), std::string::npos) << ae;
  const std::string allconv = compatibility("gan", "dcgan28-allconv", "cifar10");
  EXPECT_NE(allconv.find("dcgan28-allconv"), std::string::npos) << allconv;
  EXPECT_NE(allconv.find("cifar10"), std::string::npos) << allconv;
  EXPECT_NE(compatibility("gan", "toy", "mnist").find("toy"), std::string::npos);
  EXPECT_NE(compatibility("cgan", "toy", "toy-ring8"), "");
  EXPECT_NE(compatibility("gan", "mlp", "toy-ring8"), "");
}

}  // namespace
}  // namespace ganrun
