// runner/presets.cpp — the preset tables and how they are applied (see header). The values
// and their sources are also the table in docs/presets.md; keep the two in step.
#include "runner/presets.h"

#include <fmt/format.h>

#include <algorithm>

#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/name_list.h"
#include "runner/tables.h"

namespace ganrun {
namespace {

// The collection's commit every `collection` value was read from (its 2018 code: tanh
// generator, data normalised to [-1, 1]). Its 2017 code differs in more than the pixel range
// (docs/presets.md lists how); no preset reproduces it yet.
constexpr const char* kCollection = "znxlwm/pytorch-generative-model-collections@4caaace";

std::string at(const char* file) { return fmt::format("{} {}", kCollection, file); }

Preset collection() {
  return {
      "collection",
      "the reference collection's MNIST recipe, quirks included (commit 4caaace, [-1, 1] "
      "pixels)",
      {
          {"", "batch", "64", at("main.py --batch_size")},
          {"", "epochs", "50", at("main.py --epoch (an epoch = floor(N/64) critic batches)")},
          {"", "optimizer", "adam", at("<VARIANT>.py optim.Adam for G and D")},
          {"", "lr", "2e-4", at("main.py --lrG / --lrD")},
          {"", "betas", "[0.5, 0.999]", at("main.py --beta1 / --beta2")},
          {"", "z_dim", "62", at("<VARIANT>.py self.z_dim = 62")},
          {"", "z_dist", "uniform01", at("<VARIANT>.py torch.rand")},
          {"", "pixel_range", "pm1", at("dataloader.py Normalize((0.5,), (0.5,)); G ends in Tanh")},
          {"", "arch", "dcgan28", at("<VARIANT>.py generator/discriminator (infoGAN nets)")},
          {"", "critic_norm", "batch", at("<VARIANT>.py discriminator BatchNorm2d/1d")},
          {"", "generator_noise", "reused",
           at("<VARIANT>.py G update: G_ = self.G(z_), the iteration's z_ (and codes)")},
          {"", "bn_init", "uniform",
           "PyTorch 0.4 (the collection's): _BatchNorm.reset_parameters weight.uniform_()"},
          {"gan", "g_loss", "nonsat", at("GAN.py BCELoss(D(G(z)), 1)")},
          {"wgan", "n_critic", "5", at("WGAN.py self.n_critic = 5")},
          {"wgan", "epoch_tail", "critic",
           at("WGAN.py D steps every iteration, G when (iter+1) % n_critic == 0")},
          {"wgan", "clip", "all", at("WGAN.py clamps every D.parameters()")},
          {"wgan", "clip_value", "0.01", at("WGAN.py self.c = 0.01")},
          {"wgan-gp", "n_critic", "5", at("WGAN_GP.py self.n_critic = 5")},
          {"wgan-gp", "epoch_tail", "critic",
           at("WGAN_GP.py D steps every iteration, G when (iter+1) % n_critic == 0")},
          {"wgan-gp", "gp_lambda", "10", at("WGAN_GP.py self.lambda_ = 10")},
          {"lsgan", "ls_scale", "one", at("LSGAN.py MSE_loss = nn.MSELoss(), no 1/2")},
          {"dragan", "gp_lambda", "0.25", at("DRAGAN.py self.lambda_ = 0.25")},
          {"dragan", "penalty_output", "sigmoid",
           at("DRAGAN.py grad of pred_hat = D(x_hat), D ends in nn.Sigmoid")},
          {"ebgan", "arch", "ae28", at("EBGAN.py discriminator (auto-encoder)")},
          {"ebgan", "hinge", "batch", at("EBGAN.py relu(margin - D_fake_loss) on the batch mean")},
          {"ebgan", "pullaway", "collection",
           at("EBGAN.py pullaway_loss (one norm over the batch)")},
          {"ebgan", "energy_target", "detached",
           at("EBGAN.py G_loss: MSE_loss(D_fake, G_.detach())")},
          {"ebgan", "margin", "1", at("EBGAN.py self.margin = 1")},
          {"ebgan", "pt_weight", "0.1", at("EBGAN.py self.pt_loss_weight = 0.1")},
          {"began", "arch", "ae28", at("BEGAN.py discriminator (auto-encoder)")},
          {"began", "gamma", "1", at("BEGAN.py self.gamma = 1")},
          {"began", "lambda_k", "1e-3", at("BEGAN.py self.lambda_ = 0.001")},
          {"began", "lr", "2e-4", at("BEGAN.py optimisers built with lr 0.0002, not --lrG/--lrD")},
          {"began", "lr_schedule", "collection", at("BEGAN.py halves the lr when M stalls")},
          {"infogan", "info_optimizer", "separate", at("infoGAN.py info_optimizer over G and D")},
          {"infogan", "info_weight", "1", at("infoGAN.py info_loss = disc + cont, weight 1")},
          {"infogan", "info_source", "shared",
           at("infoGAN.py discriminator: a = sigmoid(x[:, self.output_dim]), column 1")},
      }};
}

Preset paper() {
  return {
      "paper",
      "each variant's own paper settings (docs/presets.md has the table with citations)",
      {
          {"", "batch", "64", "DCGAN-era default used by the papers below unless stated"},
          {"gan", "g_loss", "nonsat", "Goodfellow et al. 2014, sec. 3 (maximise log D(G(z)))"},
          {"lsgan", "optimizer", "adam", "Mao et al. 2017, sec. 4 (Adam)"},
          {"lsgan", "lr", "2e-4", "Mao et al. 2017, sec. 4 (learning rate 0.0002)"},
          {"lsgan", "betas", "[0.5, 0.999]", "Mao et al. 2017, sec. 4 (beta1 0.5)"},
          {"wgan", "optimizer", "rmsprop", "Arjovsky et al. 2017, Algorithm 1 (RMSProp)"},
          {"wgan", "lr", "5e-5", "Arjovsky et al. 2017, Algorithm 1 (alpha = 0.00005)"},
          {"wgan", "n_critic", "5", "Arjovsky et al. 2017, Algorithm 1 (n_critic = 5)"},
          {"wgan", "clip", "weights", "Arjovsky et al. 2017, Algorithm 1 (clip(w, -c, c))"},
          {"wgan", "clip_value", "0.01", "Arjovsky et al. 2017, Algorithm 1 (c = 0.01)"},
          {"wgan", "batch", "64", "Arjovsky et al. 2017, Algorithm 1 (m = 64)"},
          {"wgan-gp", "optimizer", "adam", "Gulrajani et al. 2017, Algorithm 1 (Adam)"},
          {"wgan-gp", "lr", "1e-4", "Gulrajani et al. 2017, Algorithm 1 (alpha = 0.0001)"},
          {"wgan-gp", "betas", "[0, 0.9]",
           "Gulrajani et al. 2017, Algorithm 1 (beta1 0, beta2 0.9)"},
          {"wgan-gp", "n_critic", "5", "Gulrajani et al. 2017, Algorithm 1 (n_critic = 5)"},
          {"wgan-gp", "gp_lambda", "10", "Gulrajani et al. 2017, Algorithm 1 (lambda = 10)"},
          {"wgan-gp", "critic_norm", "none",
           "Gulrajani et al. 2017, sec. 4 (no critic batch normalization)"},
          {"dragan", "optimizer", "adam", "Kodali et al. 2017, sec. 5 (Adam)"},
          {"dragan", "lr", "1e-4", "Kodali et al. 2017, sec. 5 (learning rate 1e-4)"},
          {"dragan", "betas", "[0.5, 0.9]", "Kodali et al. 2017, sec. 5 (beta1 0.5, beta2 0.9)"},
          {"dragan", "gp_lambda", "10", "Kodali et al. 2017, sec. 5 (lambda = 10)"},
          {"ebgan", "arch", "ae28", "Zhao et al. 2017, sec. 2.3 (auto-encoder discriminator)"},
          {"ebgan", "hinge", "sample", "Zhao et al. 2017, eq. 1 (hinge on each sample's energy)"},
          {"ebgan", "pullaway", "paper", "Zhao et al. 2017, eq. 3 (codes normalised one by one)"},
          {"ebgan", "pt_weight", "0.1", "Zhao et al. 2017, sec. 4.1 (PT weight 0.1)"},
          {"ebgan", "energy_target", "attached",
           "Zhao et al. 2017, eq. 2 (L_G = D(G(z)), G(z) on both sides of D's reconstruction)"},
          {"began", "arch", "ae28", "Berthelot et al. 2017, sec. 3.5 (auto-encoder discriminator)"},
          {"began", "gamma", "0.5", "Berthelot et al. 2017, sec. 4.1 (gamma = 0.5)"},
          {"began", "lambda_k", "1e-3", "Berthelot et al. 2017, sec. 3.4 (lambda_k = 0.001)"},
          {"began", "lr", "1e-4", "Berthelot et al. 2017, sec. 4.1 (initial lr 0.0001)"},
          {"acgan", "lr", "2e-4", "Odena et al. 2017, appendix (Adam 0.0002)"},
          {"acgan", "betas", "[0.5, 0.999]", "Odena et al. 2017, appendix (beta1 0.5)"},
          {"infogan", "lr_d", "2e-4", "Chen et al. 2016, appendix C.1 (D learning rate 2e-4)"},
          {"infogan", "lr_g", "1e-3", "Chen et al. 2016, appendix C.1 (G learning rate 1e-3)"},
          {"infogan", "info_weight", "1",
           "Chen et al. 2016, sec. 7 (lambda = 1 for discrete codes)"},
      }};
}

Preset cs231n() {
  constexpr const char* kNotebook = "CS231n assignment 3, GANs-PyTorch.ipynb";
  auto src = [&](const char* what) { return fmt::format("{}: {}", kNotebook, what); };
  return {"cs231n",
          "the CS231n assignment's MLP GAN (beta1 0.5 as the assignment; the seed report's text "
          "reads 0.55)",
          {
              {"", "arch", "mlp-small", src("discriminator() / generator() nets")},
              {"", "batch", "128", src("batch_size = 128")},
              {"", "z_dim", "96", src("NOISE_DIM = 96")},
              {"", "z_dist", "uniform_pm1", src("sample_noise: uniform in [-1, 1)")},
              {"", "pixel_range", "pm1", src("preprocess_img: 2 * x - 1")},
              {"", "optimizer", "adam", src("get_optimizer: optim.Adam")},
              {"", "lr", "1e-3", src("get_optimizer: lr = 1e-3")},
              {"", "betas", "[0.5, 0.999]", src("get_optimizer: betas = (0.5, 0.999)")},
          }};
}

Preset toy_2d() {
  constexpr const char* kToy = "Gulrajani et al. 2017 gan_toy.py (8 Gaussians)";
  auto src = [&](const char* what) { return fmt::format("{}: {}", kToy, what); };
  return {"toy-2d",
          "WGAN-GP's 2-D experiments: 3x512 ReLU nets, lambda 0.1, decision field every 100 "
          "steps",
          {
              {"", "dataset", "toy-ring8", src("DATASET = '8gaussians'")},
              {"", "arch", "toy", src("Generator / Discriminator MLPs")},
              {"", "toy_depth", "3", src("three hidden ReLU layers")},
              {"", "toy_width", "512", src("DIM = 512")},
              {"", "z_dim", "2", src("noise = randn(BATCH_SIZE, 2)")},
              {"", "batch", "256", src("BATCH_SIZE = 256")},
              {"", "n_critic", "5", src("CRITIC_ITERS = 5")},
              {"", "gp_lambda", "0.1", src("LAMBDA = .1")},
              {"", "critic_norm", "none", src("no normalisation in the critic")},
              {"", "optimizer", "adam", src("Adam for both nets")},
              {"", "lr", "1e-4", src("lr = 1e-4")},
              {"", "betas", "[0.5, 0.9]", src("betas = (0.5, 0.9)")},
              {"", "eval_every", "100", src("generate_image every 100 iterations")},
          }};
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all{collection(), paper(), cs231n(), toy_2d()};
  return all;
}

const Preset* find_preset(const std::string& name) {
  for (const auto& p : presets()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const std::vector<std::string>& preset_names() {
  static const auto names = names_of(presets(), [](const Preset& p) { return p.name; });
  return names;
}

std::vector<std::string> fields_written(const std::string& key) {
  if (key == "epochs" || key == "steps") return {"epochs", "steps"};
  return setting_fields(key);
}

void apply_preset(RunSettings& s, const std::string& name,
                  const std::set<std::string>& explicit_fields) {
  const Preset* preset = find_preset(name);
  if (preset == nullptr) {
    std::string hint = did_you_mean(name, preset_names());
    throw ConfigError(fmt::format("preset '{}' is not a known preset{}", name,
                                  hint.empty() ? " (ganrun presets lists them)" : hint));
  }
  // The variant may itself come from nowhere but the defaults; presets never set it.
  for (const auto& v : preset->values) {
    if (!v.variant.empty() && v.variant != s.variant) continue;
    const auto written = fields_written(v.key);
    const bool blocked = std::any_of(written.begin(), written.end(), [&](const std::string& f) {
      return explicit_fields.count(f) > 0;
    });
    if (blocked) continue;
    set_setting_text(s, v.key, v.value);
    if (v.key == "epochs") s.steps = 0;
  }
  s.preset = name;
}

std::string describe_presets() {
  std::vector<std::vector<std::string>> rows{{"preset", "what it reproduces"}};
  for (const auto& p : presets()) rows.push_back({p.name, p.summary});
  return format_table(rows) +
         "\n`ganrun presets NAME` lists every value a preset sets and its source.\n";
}

std::string describe_preset(const Preset& preset) {
  std::vector<std::vector<std::string>> rows{{"variant", "key", "value", "source"}};
  for (const auto& v : preset.values)
    rows.push_back({v.variant.empty() ? "(all)" : v.variant, v.key, v.value, v.source});
  return fmt::format("preset {}: {}\n{}", preset.name, preset.summary, format_table(rows));
}

}  // namespace ganrun
