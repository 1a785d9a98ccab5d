// models/began_variant.cpp — boundary equilibrium GAN (Berthelot et al. 2017): D is an
// auto-encoder with the L1 reconstruction loss L(x) = mean |x - D(x)|; D minimises
// L(x) - k_t L(G(z)), G minimises L(G(z)), and after each step
// k_{t+1} = clamp(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1) with both losses the global
// batch's means. The convergence measure M = L(x) + |gamma L(x) - L(G(z))| is recorded, and
// `lr_schedule: collection` halves both learning rates at epoch ends when M stalls (BEGAN.py's
// rule, models/energy_losses.h). k_t stays on the device: no host sync per step.
#include <memory>
#include <stdexcept>

#include "models/energy_losses.h"
#include "models/generator_owner.h"
#include "models/optim.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

double learning_rate(torch::optim::Optimizer& optimizer) {
  return optimizer.param_groups().front().options().get_lr();
}

class BeganVariant final : public GeneratorOwner {
 public:
  explicit BeganVariant(const VariantConfig& config) : GeneratorOwner(config, base_spec(config)) {
    if (config.lr_schedule != "none" && config.lr_schedule != "collection")
      throw std::invalid_argument("began: unknown lr_schedule '" + config.lr_schedule +
                                  "' (known: none, collection)");
    NetSpec spec = base_spec(config);
    spec.ae_form = "began";
    autoencoder_ = make_autoencoder(spec);
    set_critic_net(autoencoder_);
    const auto options = torch::TensorOptions().dtype(config.dtype).device(config.device);
    k_ = torch::zeros({}, options);  // k_0 = 0 (paper and BEGAN.py)
  }

  const std::vector<std::string>& metric_names() const override {
    // k_t after the step's update; M the convergence measure; lr the generator's learning rate.
    static const std::vector<std::string> names{"d_loss", "g_loss", "k_t", "M", "lr"};
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
    const auto real_loss = l1_energy(autoencoder_->forward(real.images).first, real.images);
    const auto fake_loss = l1_energy(autoencoder_->forward(fake).first, fake);
    auto loss = real_loss.mean() - k_ * fake_loss.mean();
    loss.backward();
    (*ctx.sync_gradients)(*autoencoder_);
    opt_d_->step();
    // L(x) of the step's last critic update drives k_t and M (BEGAN.py: D_real_loss).
    real_loss_ = global_mean(real_loss.detach(), *ctx.reducer, ctx.noise->slice().global_batch);
    metrics.add("d_loss", loss);
  }

  void generator_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    generator_->train();
    autoencoder_->train();
    auto fake = generator_->forward(ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)));
    opt_g_->zero_grad();
    const auto fake_loss = l1_energy(autoencoder_->forward(fake).first, fake);
    const auto loss = fake_loss.mean();
    loss.backward();
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    const auto fake_mean =
        global_mean(fake_loss.detach(), *ctx.reducer, ctx.noise->slice().global_batch);
    k_ = began_k_update(k_, real_loss_, fake_mean, config_.gamma, config_.lambda_k);
    convergence_ = began_convergence(real_loss_, fake_mean, config_.gamma);
    metrics.add("g_loss", loss);
    metrics.add("k_t", k_);
    metrics.add("M", convergence_);
  }

  void end_step(const StepContext& ctx, MetricAccumulator& metrics) override {
    // One host read per epoch: the collection's rule looks at the epoch's last M only.
    if (config_.lr_schedule == "collection" && ctx.epoch_end &&
        schedule_.epoch_end(convergence_.item<double>())) {
      set_learning_rate(*opt_g_, StalledConvergenceHalving::halved(learning_rate(*opt_g_)));
      set_learning_rate(*opt_d_, StalledConvergenceHalving::halved(learning_rate(*opt_d_)));
    }
    metrics.add("lr", torch::full({}, learning_rate(*opt_g_), k_.options()));
  }

 private:
  std::shared_ptr<AutoEncoderNet> autoencoder_;
  torch::Tensor k_;            // k_t, a scalar on the run's device
  torch::Tensor real_loss_;    // global-batch L(x) of the last critic update
  torch::Tensor convergence_;  // M of the last step
  StalledConvergenceHalving schedule_;
};

}  // namespace

std::unique_ptr<Variant> make_began(const VariantConfig& config) {
  return std::make_unique<BeganVariant>(config);
}

}  // namespace ganrun::models
