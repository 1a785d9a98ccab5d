// models/autoencoder_variants.cpp — the variants whose critic is an auto-encoder, over the one
// single-critic step (models/single_critic_step.h): the energy of an image is how badly the
// auto-encoder reconstructs it (models/energy_losses.h holds the pure loss functions).
//
// - ebgan (Zhao et al. 2017): energy = reconstruction MSE. D minimises E(x) + hinge(m - E(G(z)));
//   G minimises E(G(z)) + pt_weight PT(encoder codes of G(z)). `hinge: sample|batch` and
//   `pullaway: paper|collection` and `energy_target: attached|detached` (G's energy target)
//   select the paper's or the collection's (EBGAN.py) forms. The
//   batch hinge and the pull-away term are functions of the whole global batch: their losses
//   carry coupled_scale so that the gradient averaged over the run's processes equals the
//   one-process gradient (the recorded loss is the unscaled one).
// - began (Berthelot et al. 2017): L(x) = mean |x - D(x)|; D minimises L(x) - k_t L(G(z)), G
//   minimises L(G(z)), and after each step k_{t+1} = clamp(k_t + lambda_k (gamma L(x) -
//   L(G(z))), 0, 1) with both losses the global batch's means. The convergence measure
//   M = L(x) + |gamma L(x) - L(G(z))| is recorded, and `lr_schedule: collection` halves both
//   learning rates at epoch ends when M stalls (BEGAN.py's rule). k_t, M and the learning rates
//   stay on the device (the optimisers' rates are tensors, device_learning_rates): no host sync,
//   not even at an epoch end.
//
// Packed (models/pack_ops.h): energies are [B, K], the batch-wide terms (the batch hinge, the
// pull-away term, L(x), L(G(z)), k_t, M, the schedule) one per member.
#include <memory>
#include <stdexcept>
#include <tuple>

#include "models/energy_losses.h"
#include "models/pack_ops.h"
#include "models/single_critic_step.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

// Builds G(z), then the auto-encoder critic in the EBGAN or BEGAN form of the run's arch.
class AutoEncoderVariant : public SingleCriticVariant {
 protected:
  AutoEncoderVariant(const VariantConfig& config, const std::string& form,
                     std::vector<std::string> metrics)
      : SingleCriticVariant(config, base_spec(config), std::move(metrics)) {
    NetSpec spec = base_spec(config);
    spec.ae_form = form;
    autoencoder_ = make_autoencoder(spec);
    set_critic_net(autoencoder_);
  }

  std::shared_ptr<AutoEncoderNet> autoencoder_;
};

class Ebgan final : public AutoEncoderVariant {
 public:
  // energy_real / energy_fake: mean reconstruction MSE in the critic updates; margin_hits: the
  // fraction of fakes whose energy is below the margin (those the hinge pushes up); pullaway:
  // the pull-away term of the generator update.
  explicit Ebgan(const VariantConfig& config)
      : AutoEncoderVariant(
            checked(config), "ebgan",
            {"d_loss", "g_loss", "energy_real", "energy_fake", "margin_hits", "pullaway"}) {}

 private:
  static const VariantConfig& checked(const VariantConfig& config) {
    require_one_of("ebgan", "hinge", config.hinge, "sample", "batch");
    require_one_of("ebgan", "pullaway", config.pullaway, "paper", "collection");
    require_one_of("ebgan", "energy_target", config.energy_target, "attached", "detached");
    return config;
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const auto& real = u.real.images;
    const int64_t k = members();
    const auto real_energy = mse_energy(autoencoder_->forward(real).first, real, k);
    const auto fake_energy = mse_energy(autoencoder_->forward(u.fake).first, u.fake, k);
    const auto real_term = member_mean(real_energy, k);
    torch::Tensor hinge;
    double hinge_scale = 1.0;  // the batch hinge is coupled across processes
    if (config_.hinge == "sample") {
      hinge = hinge_per_sample(fake_energy, config_.margin, k);
    } else {
      const auto& slice = u.ctx.noise->slice();
      hinge = hinge_on_batch_mean(fake_energy, config_.margin, *u.ctx.reducer, slice.global_batch);
      hinge_scale = coupled_scale(slice);
    }
    metrics.add("energy_real", real_term);
    metrics.add("energy_fake", member_mean(fake_energy, k));
    metrics.add("margin_hits", member_mean(fake_energy.lt(config_.margin).to(torch::kFloat64), k));
    return {real_term + hinge_scale * hinge, real_term + hinge};
  }

  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs&, const StepContext& ctx,
                            MetricAccumulator& metrics) override {
    const int64_t k = members();
    const auto [reconstruction, code] = autoencoder_->forward(fake);
    const bool detached = config_.energy_target == "detached";
    const auto energy = member_mean(generator_mse_energy(reconstruction, fake, detached, k), k);
    const int64_t global_batch = ctx.noise->slice().global_batch;
    const auto pullaway = config_.pullaway == "paper"
                              ? pullaway_paper(code, *ctx.reducer, global_batch, k)
                              : pullaway_collection(code, *ctx.reducer, global_batch, k);
    const double scale = coupled_scale(ctx.noise->slice());
    metrics.add("pullaway", pullaway);
    return {energy + config_.pt_weight * scale * pullaway, energy + config_.pt_weight * pullaway};
  }
};

class Began final : public AutoEncoderVariant {
 public:
  // k_t after the step's update; M the convergence measure; lr the generator's learning rate.
  explicit Began(const VariantConfig& config)
      : AutoEncoderVariant(checked(config), "began", {"d_loss", "g_loss", "k_t", "M", "lr"}) {
    const auto options = torch::TensorOptions().dtype(config.dtype).device(config.device);
    // k_0 = 0 (paper and BEGAN.py), one per member.
    k_ = members() == 1 ? torch::zeros({}, options) : torch::zeros({members()}, options);
    std::tie(lr_g_, lr_d_) = device_learning_rates();
  }

  // k_t, the last step's M and the schedule's reference M; the learning rates are the
  // optimisers' (restored in place with them).
  void save_training_state(torch::serialize::OutputArchive& archive) override {
    AutoEncoderVariant::save_training_state(archive);
    save_tensor(archive, "began_k", k_);
    save_tensor(archive, "began_m", convergence_);
    save_tensor(archive, "began_m_reference", schedule_.reference());
  }
  void load_training_state(torch::serialize::InputArchive& archive) override {
    AutoEncoderVariant::load_training_state(archive);
    load_tensor(archive, "began_k", k_);
    load_tensor(archive, "began_m", convergence_);
    load_tensor(archive, "began_m_reference", schedule_.reference());
  }

  void end_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    // The collection's rule looks at the epoch's last M only; decided and applied on the device.
    if (config_.lr_schedule == "collection" && ctx.epoch_end) {
      const auto halve = schedule_.epoch_end(convergence_);
      StalledConvergenceHalving::apply(halve, lr_g_);
      StalledConvergenceHalving::apply(halve, lr_d_);
    }
    metrics.add("lr", lr_g_.reshape(k_.sizes()));
  }

 private:
  static const VariantConfig& checked(const VariantConfig& config) {
    require_one_of("began", "lr_schedule", config.lr_schedule, "none", "collection");
    return config;
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator&) override {
    const auto& real = u.real.images;
    const int64_t k = members();
    const auto real_loss = l1_energy(autoencoder_->forward(real).first, real, k);
    const auto fake_loss = l1_energy(autoencoder_->forward(u.fake).first, u.fake, k);
    // L(x) of the step's last critic update drives k_t and M (BEGAN.py: D_real_loss).
    real_loss_ = global_mean(real_loss.detach(), *u.ctx.reducer, u.ctx.noise->slice().global_batch);
    return member_mean(real_loss, k) - k_ * member_mean(fake_loss, k);
  }

  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs&, const StepContext& ctx,
                            MetricAccumulator& metrics) override {
    const int64_t k = members();
    const auto fake_loss = l1_energy(autoencoder_->forward(fake).first, fake, k);
    const auto fake_mean =
        global_mean(fake_loss.detach(), *ctx.reducer, ctx.noise->slice().global_batch);
    // In place: a captured step (CUDA graphs) reads and writes the same k_ at every replay.
    k_.copy_(began_k_update(k_, real_loss_, fake_mean, config_.gamma, config_.lambda_k));
    convergence_ = began_convergence(real_loss_, fake_mean, config_.gamma);
    metrics.add("k_t", k_);
    metrics.add("M", convergence_);
    return member_mean(fake_loss, k);
  }

  torch::Tensor k_;            // k_t on the run's device (scalar, or [K] packed)
  torch::Tensor lr_g_, lr_d_;  // the optimisers' learning rates, [K, 1] on the device
  torch::Tensor real_loss_;    // global-batch L(x) of the last critic update
  torch::Tensor convergence_;  // M of the last step
  StalledConvergenceHalving schedule_;
};

}  // namespace

std::unique_ptr<Variant> make_ebgan(const VariantConfig& c) { return std::make_unique<Ebgan>(c); }
std::unique_ptr<Variant> make_began(const VariantConfig& c) { return std::make_unique<Began>(c); }

}  // namespace ganrun::models
