// models/ebgan_variant.cpp — energy-based GAN (Zhao et al. 2017): D is an auto-encoder and the
// energy of a sample its reconstruction MSE. D minimises E(x) + hinge(m - E(G(z))); G minimises
// E(G(z)) + pt_weight * PT(encoder codes of G(z)). Two settings select the paper's or the
// reference collection's (EBGAN.py) forms: `hinge: sample|batch` and `pullaway: paper|
// collection` (models/energy_losses.h). The batch hinge and the pull-away term are functions of
// the whole global batch: their losses carry coupled_scale so that the gradient averaged over
// the run's processes equals the one-process gradient.
#include <memory>
#include <stdexcept>

#include "models/energy_losses.h"
#include "models/generator_owner.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

class EbganVariant final : public GeneratorOwner {
 public:
  explicit EbganVariant(const VariantConfig& config) : GeneratorOwner(config, base_spec(config)) {
    if (config.hinge != "sample" && config.hinge != "batch")
      throw std::invalid_argument("ebgan: unknown hinge '" + config.hinge +
                                  "' (known: sample, batch)");
    if (config.pullaway != "paper" && config.pullaway != "collection")
      throw std::invalid_argument("ebgan: unknown pullaway '" + config.pullaway +
                                  "' (known: paper, collection)");
    NetSpec spec = base_spec(config);
    spec.ae_form = "ebgan";
    autoencoder_ = make_autoencoder(spec);
    set_critic_net(autoencoder_);
  }

  const std::vector<std::string>& metric_names() const override {
    // energy_real / energy_fake: mean reconstruction MSE in the critic updates; margin_hits: the
    // fraction of fakes whose energy is below the margin (those the hinge pushes up);
    // pullaway: the pull-away term of the generator update.
    static const std::vector<std::string> names{"d_loss",      "g_loss",      "energy_real",
                                                "energy_fake", "margin_hits", "pullaway"};
    return names;
  }

  void discriminator_step(const RealBatch& real, const StepContext& ctx,
                          MetricAccumulator& metrics) override {
    generator_->train();
    autoencoder_->train();
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;
      fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
    }
    opt_d_->zero_grad();
    const auto real_energy = mse_energy(autoencoder_->forward(real.images).first, real.images);
    const auto fake_energy = mse_energy(autoencoder_->forward(fake).first, fake);
    const auto real_term = real_energy.mean();
    torch::Tensor hinge;
    double hinge_scale = 1.0;  // the batch hinge is coupled across processes
    if (config_.hinge == "sample") {
      hinge = hinge_per_sample(fake_energy, config_.margin);
    } else {
      hinge = hinge_on_batch_mean(fake_energy, config_.margin, *ctx.reducer,
                                  ctx.noise->slice().global_batch);
      hinge_scale = coupled_scale(ctx.noise->slice());
    }
    (real_term + hinge_scale * hinge).backward();
    (*ctx.sync_gradients)(*autoencoder_);
    opt_d_->step();
    metrics.add("d_loss", real_term + hinge);
    metrics.add("energy_real", real_term);
    metrics.add("energy_fake", fake_energy.mean());
    metrics.add("margin_hits", fake_energy.lt(config_.margin).to(torch::kFloat64).mean());
  }

  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    generator_->train();
    autoencoder_->train();
    auto fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
    opt_g_->zero_grad();
    const auto [reconstruction, code] = autoencoder_->forward(fake);
    const auto energy = mse_energy(reconstruction, fake).mean();
    const int64_t global_batch = ctx.noise->slice().global_batch;
    const auto pullaway = config_.pullaway == "paper"
                              ? pullaway_paper(code, *ctx.reducer, global_batch)
                              : pullaway_collection(code, *ctx.reducer, global_batch);
    const double scale = coupled_scale(ctx.noise->slice());
    (energy + config_.pt_weight * scale * pullaway).backward();
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    metrics.add("g_loss", energy + config_.pt_weight * pullaway);
    metrics.add("pullaway", pullaway);
  }

 private:
  std::shared_ptr<AutoEncoderNet> autoencoder_;
};

}  // namespace

std::unique_ptr<Variant> make_ebgan(const VariantConfig& config) {
  return std::make_unique<EbganVariant>(config);
}

}  // namespace ganrun::models
