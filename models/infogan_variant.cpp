// models/infogan_variant.cpp — InfoGAN (Chen et al. 2016): a 10-way categorical and 2 continuous
// U[-1, 1) codes appended to z (G input z ++ continuous ++ one-hot, the order of infoGAN.py);
// Q is 12 extra outputs of D's last layer (outputs: 0 real/fake logit, 1-2 continuous
// predictions, 3-12 category logits; `info_source: shared` reads real/fake from column 1 as
// infoGAN.py does, column 0 then unused). The information loss CE(category) + MSE(continuous),
// weighted by info_weight, is minimised by both G and D/Q:
// - paper (info_optimizer false): added to the D loss (on the critic step's fakes) and to the
//   G loss;
// - collection (info_optimizer true, infoGAN.py): D and G take their plain GAN steps, then a
//   separate Adam over G's and D's parameters at D's lr steps on the gradients the parameters
//   hold at that point: G's from its GAN loss plus the information loss, D's from its last
//   critic loss plus the G loss (the collection never zeroes them in between) plus the
//   information loss. The information gradient is taken before G's step (pre-update weights).
//
// Packed (models/pack_ops.h): every member draws its own codes (categories [B, K], continuous
// [B, K*2]) and builds its own block of G's input; Q's heads are columns of each member's block
// of D's outputs; the information loss is one per member, [K]; the separate optimiser is packed
// with each member's D settings.
#include <torch/csrc/autograd/autograd.h>  // torch::autograd::grad
#include <torch/nn/functional/loss.h>      // cross_entropy, mse_loss

#include <memory>
#include <vector>

#include "models/adversarial_losses.h"
#include "models/conditional.h"
#include "models/pack_ops.h"
#include "models/packed_optim.h"
#include "models/run_random.h"
#include "models/single_critic_step.h"
#include "models/variant_families.h"

namespace ganrun::models {
namespace {

namespace F = torch::nn::functional;

constexpr int64_t kCategories = 10;  // the categorical code's classes
constexpr int64_t kContinuous = 2;   // continuous codes, U[-1, 1)
constexpr int64_t kCodeWidth = kCategories + kContinuous;

// Shapes unpacked; packed, K members: category [B, K], the others [B, K*width].
struct LatentCodes {
  torch::Tensor category;    // int64 [B]
  torch::Tensor continuous;  // [B, 2] in [-1, 1)
};

struct CriticOutputs {
  torch::Tensor source;      // [B] real/fake logit ([B, K] packed)
  torch::Tensor continuous;  // [B, 2]
  torch::Tensor category;    // [B, 10] logits
};

// `source_column`: 0 (info_source: own) or 1 (shared: infoGAN.py reads real/fake from column 1,
// the unit that also predicts the first continuous code; column 0 then feeds nothing).
CriticOutputs critic_heads(const torch::Tensor& out, int64_t members, int64_t source_column) {
  if (members == 1)
    return {out.select(1, source_column), out.narrow(1, 1, kContinuous),
            out.narrow(1, 1 + kContinuous, kCategories)};
  return {member_columns(out, source_column, 1, members),
          member_columns(out, 1, kContinuous, members),
          member_columns(out, 1 + kContinuous, kCategories, members)};
}

// CE(category) + MSE(continuous): a scalar, or one per member ([K]) when packed.
torch::Tensor information_loss(const CriticOutputs& out, const LatentCodes& codes,
                               int64_t members) {
  if (members == 1)
    return F::cross_entropy(out.category, codes.category) +
           F::mse_loss(out.continuous, codes.continuous);
  return member_cross_entropy(out.category, codes.category, members) +
         member_mean((out.continuous - codes.continuous).square(), members);
}

class InfoganVariant final : public ImageCriticVariant {
 public:
  // info_loss: CE + MSE on the generator step's fakes (unweighted); cat_acc: how often Q's
  // category logits pick the categorical code they were generated from.
  explicit InfoganVariant(const VariantConfig& config)
      : ImageCriticVariant(config, generator_spec(config), critic_spec(config),
                           {"d_loss", "g_loss", "d_real", "d_fake", "info_loss", "cat_acc"}) {
    require_one_of("infogan", "info_source", config.info_source, "own", "shared");
    source_column_ = config.info_source == "shared" ? 1 : 0;
    if (config.info_optimizer) {
      // infoGAN.py: optim.Adam(chain(G.parameters(), D.parameters()), lr=args.lrD, betas).
      opt_info_ = optimizer_with_critic_settings(generator_and_critic_parameters());
    }
  }

  std::string graph_refusal() const override {
    if (config_.info_optimizer)
      return "infogan's separate optimiser (info_optimizer: separate) counts its steps on the "
             "host";
    return ImageCriticVariant::graph_refusal();
  }

  void freeze_member(int64_t member) override {
    GeneratorOwner::freeze_member(member);
    if (auto* packed = dynamic_cast<PackedOptimizer*>(opt_info_.get())) packed->freeze(member);
  }

  // The collection form's third optimiser besides G's and D's.
  void save_training_state(torch::serialize::OutputArchive& archive) override {
    ImageCriticVariant::save_training_state(archive);
    if (!opt_info_) return;
    torch::serialize::OutputArchive info;
    opt_info_->save(info);
    archive.write("opt_info", info);
  }
  void load_training_state(torch::serialize::InputArchive& archive) override {
    ImageCriticVariant::load_training_state(archive);
    if (!opt_info_) return;
    torch::serialize::InputArchive info;
    archive.read("opt_info", info);
    opt_info_->load(info);
  }

  int64_t fixed_noise_rows() const override { return kConditionalGridRows; }
  int64_t samples_per_grid() const override { return kConditionalGridRows * kCategories; }

  // z [R, z_dim] -> R * 10 images, image 10 i + j = noise row i with category j, continuous
  // codes 0 (infoGAN.py's "style by class" grid).
  torch::Tensor sample(const torch::Tensor& z) override {
    const auto grid = class_by_noise_grid(to_run(z), kCategories);
    LatentCodes codes{grid.labels,
                      torch::zeros({grid.noise.size(0), kContinuous}, grid.noise.options())};
    return GeneratorOwner::sample(generator_input(grid.noise, codes, 1));
  }

 private:
  static NetSpec generator_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.g_inputs = config.z_dim + kCodeWidth;
    return spec;
  }
  static NetSpec critic_spec(const VariantConfig& config) {
    NetSpec spec = base_spec(config);
    spec.critic_outputs = 1 + kCodeWidth;
    return spec;
  }

  // The codes of this update: the category and the continuous codes come from two keys
  // (sub-indices 2i and 2i + 1 of the update i) so that they are independent draws.
  FakeInputs fake_inputs(const StepContext& ctx, const RealBatch*) override {
    const auto sub = 2 * static_cast<uint64_t>(ctx.critic_iter);
    const auto purpose = static_cast<uint64_t>(Purpose::kLatentCode);
    const LatentCodes codes{
        ctx.noise->categorical(ctx.step, purpose, sub, kCategories),
        ctx.noise->uniform01(ctx.step, purpose, sub + 1, {kContinuous}) * 2.0 - 1.0};
    FakeInputs inputs;
    inputs.generator_input = generator_input(
        ctx.noise->z(ctx.step, static_cast<uint64_t>(ctx.critic_iter)), codes, members());
    inputs.labels = codes.category;
    inputs.continuous = codes.continuous;
    return inputs;
  }

  // z ++ continuous ++ one-hot(category), member by member when packed.
  static torch::Tensor generator_input(const torch::Tensor& z, const LatentCodes& codes,
                                       int64_t members) {
    if (members == 1)
      return torch::cat(
          {z, codes.continuous.to(z.options()), one_hot(codes.category, kCategories, z.options())},
          1);
    return join_member_features(join_member_features(z, codes.continuous.to(z.options()), members),
                                one_hot(codes.category, kCategories, z.options()), members);
  }

  UpdateLoss critic_loss(const CriticUpdate& u, MetricAccumulator& metrics) override {
    const int64_t k = members();
    const auto on_real = critic_heads(score(u.real.images, u.inputs), k, source_column_);
    const auto on_fake = critic_heads(score(u.fake, u.inputs), k, source_column_);
    metrics.add("d_real", member_mean(torch::sigmoid(on_real.source), k));
    metrics.add("d_fake", member_mean(torch::sigmoid(on_fake.source), k));
    auto loss = gan_d_loss(on_real.source, on_fake.source, k);
    if (!config_.info_optimizer)
      loss = loss + config_.info_weight * information_loss(on_fake, codes_of(u.inputs), k);
    return loss;
  }

  UpdateLoss generator_loss(const torch::Tensor& fake, const FakeInputs& inputs, const StepContext&,
                            MetricAccumulator& metrics) override {
    const int64_t k = members();
    const auto out = critic_heads(score(fake, inputs), k, source_column_);
    const auto gan_loss = gan_g_loss(out.source, /*minimax=*/false, k);
    const auto info = information_loss(out, codes_of(inputs), k);
    metrics.add("info_loss", info);
    metrics.add("cat_acc", member_accuracy(out.category, inputs.labels, k));
    if (!config_.info_optimizer) return gan_loss + config_.info_weight * info;
    pending_info_ = info;  // the collection's update applies it with its own optimiser
    return gan_loss;
  }

  static LatentCodes codes_of(const FakeInputs& inputs) {
    return {inputs.labels, inputs.continuous};
  }

  std::vector<torch::Tensor> generator_and_critic_parameters() const {
    std::vector<torch::Tensor> params = generator_->parameters();
    for (const auto& p : critic_->parameters()) params.push_back(p);
    return params;
  }

  // The collection's form (info_optimizer): G steps on its GAN loss alone; then the separate
  // optimiser over G's and D's parameters steps on what their gradients hold at that point
  // (see the file's opening comment), the information gradient taken before G's step.
  void apply_generator_loss(const UpdateLoss& loss, const StepContext& ctx) override {
    if (!config_.info_optimizer) return SingleCriticVariant::apply_generator_loss(loss, ctx);
    const std::vector<torch::Tensor> params = generator_and_critic_parameters();
    // Packed: the members' losses summed, so each member's block gets its own gradient.
    const auto info = config_.info_weight * pending_info_;
    auto info_grads = torch::autograd::grad({members() == 1 ? info : info.sum()}, params, {},
                                            /*retain_graph=*/true, /*create_graph=*/false,
                                            /*allow_unused=*/true);
    pending_info_ = torch::Tensor();
    // G's gradients, and D's on top of its last critic update's
    (members() == 1 ? loss.minimised : loss.minimised.sum()).backward();
    (*ctx.sync_gradients)(*generator_);
    opt_g_->step();
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) {
        if (!info_grads[i].defined()) continue;
        auto& grad = params[i].mutable_grad();
        if (grad.defined()) {
          grad.add_(info_grads[i]);
        } else {
          grad = info_grads[i];
        }
      }
    }
    (*ctx.sync_gradients)(*generator_);
    (*ctx.sync_gradients)(*critic_);
    opt_info_->step();
  }

  int64_t source_column_ = 0;  // D output column of the real/fake logit (info_source)
  std::unique_ptr<torch::optim::Optimizer> opt_info_;
  torch::Tensor pending_info_;  // the generator update's information loss (collection form)
};

}  // namespace

std::unique_ptr<Variant> make_infogan(const VariantConfig& c) {
  return std::make_unique<InfoganVariant>(c);
}

}  // namespace ganrun::models
