// models/generator_owner.cpp — the generator side every variant shares (see header).
#include "models/generator_owner.h"

#include <stdexcept>

#include "models/optim.h"
#include "models/packed_optim.h"

namespace ganrun::models {

namespace {

std::vector<uint64_t> member_seeds(const VariantConfig& config) {
  std::vector<uint64_t> seeds;
  for (const auto& m : config.pack) seeds.push_back(m.seed);
  return seeds;
}

// A packed net's optimiser has each member's settings; an unpacked net's is LibTorch's, or with
// `device_rates` the packed optimiser with one member (learning rates as device tensors).
std::unique_ptr<torch::optim::Optimizer> net_optimizer(
    std::vector<torch::Tensor> params, const VariantConfig& config,
    OptimizerConfig VariantConfig::PackMember::*which, const OptimizerConfig& own,
    bool device_rates = false) {
  if (config.pack.empty() && !device_rates) return make_optimizer(std::move(params), own);
  std::vector<OptimizerConfig> members;
  for (const auto& m : config.pack) members.push_back(m.*which);
  if (members.empty()) members.push_back(own);
  return std::make_unique<PackedOptimizer>(std::move(params), std::move(members));
}

}  // namespace

NetSpec GeneratorOwner::base_spec(const VariantConfig& config) {
  // Designated in NetSpec's member order; the widths a variant needs on top are its own.
  return NetSpec{.arch = config.arch,
                 .channels = config.channels,
                 .height = config.height,
                 .width = config.width,
                 .g_inputs = config.z_dim,
                 .critic_norm = config.critic_norm,
                 .generator_norm = config.generator_norm,
                 .toy_depth = config.toy_depth,
                 .toy_width = config.toy_width,
                 .base_width = config.base_width,
                 .seed = config.seed,
                 .members = config.members(),
                 .member_seeds = member_seeds(config)};
}

GeneratorOwner::GeneratorOwner(const VariantConfig& config, const NetSpec& spec) : config_(config) {
  generator_ = make_generator(spec);
  // A packed net is overwritten with its members' initialised nets (make_packed_variant).
  if (config.pack.empty()) init_net(*generator_, config.arch, config.seed, kGeneratorNet);
  generator_->to(config.device, config.dtype);
  opt_g_ = net_optimizer(generator_->parameters(), config, &VariantConfig::PackMember::opt_g,
                         config.opt_g);
}

void GeneratorOwner::set_critic_net(std::shared_ptr<torch::nn::Module> net) {
  critic_net_ = std::move(net);
  if (config_.pack.empty()) init_net(*critic_net_, config_.arch, config_.seed, kDiscriminatorNet);
  critic_net_->to(config_.device, config_.dtype);
  opt_d_ = net_optimizer(critic_net_->parameters(), config_, &VariantConfig::PackMember::opt_d,
                         config_.opt_d);
}

std::pair<torch::Tensor, torch::Tensor> GeneratorOwner::device_learning_rates() {
  // Only LibTorch optimisers are replaced: rates handed out before (BEGAN's schedule holds
  // them) stay the ones the optimisers use.
  if (dynamic_cast<PackedOptimizer*>(opt_g_.get()) == nullptr)
    opt_g_ = net_optimizer(generator_->parameters(), config_, &VariantConfig::PackMember::opt_g,
                           config_.opt_g, /*device_rates=*/true);
  if (dynamic_cast<PackedOptimizer*>(opt_d_.get()) == nullptr)
    opt_d_ = net_optimizer(critic_net_->parameters(), config_, &VariantConfig::PackMember::opt_d,
                           config_.opt_d, /*device_rates=*/true);
  return {dynamic_cast<PackedOptimizer&>(*opt_g_).learning_rates(),
          dynamic_cast<PackedOptimizer&>(*opt_d_).learning_rates()};
}

std::unique_ptr<torch::optim::Optimizer> GeneratorOwner::optimizer_with_critic_settings(
    std::vector<torch::Tensor> params) const {
  return net_optimizer(std::move(params), config_, &VariantConfig::PackMember::opt_d,
                       config_.opt_d);
}

std::string GeneratorOwner::graph_refusal() const {
  if (config_.arch == "mlp-deep")
    return "mlp-deep's dropout masks come from a generator the graph would not advance";
  return "";
}

void GeneratorOwner::freeze_member(int64_t member) {
  for (auto* opt : {opt_g_.get(), opt_d_.get()})
    if (auto* packed = dynamic_cast<PackedOptimizer*>(opt)) packed->freeze(member);
}

torch::Tensor GeneratorOwner::to_run(const torch::Tensor& t) const {
  return t.to(config_.device, config_.dtype);
}

torch::Tensor GeneratorOwner::sample(const torch::Tensor& z) {
  torch::NoGradGuard no_grad;
  generator_->eval();
  auto images = generator_->forward(to_run(z));
  generator_->train();
  return images;
}

NamedTensors GeneratorOwner::generator_state() {
  NamedTensors state;
  for (const auto& item : generator_->named_parameters())
    state.emplace_back(item.key(), item.value());
  for (const auto& item : generator_->named_buffers())
    if (item.value().is_floating_point()) state.emplace_back(item.key(), item.value());
  return state;
}

void GeneratorOwner::load_generator_state(const NamedTensors& state) {
  torch::NoGradGuard no_grad;
  auto params = generator_->named_parameters();
  auto buffers = generator_->named_buffers();
  for (const auto& [name, value] : state) {
    torch::Tensor* target = params.find(name);
    if (target == nullptr) target = buffers.find(name);
    if (target == nullptr) throw std::invalid_argument("generator has no tensor '" + name + "'");
    if (target->sizes() != value.sizes())
      throw std::invalid_argument("generator tensor '" + name + "' has another shape");
    target->copy_(value);
  }
}

std::vector<std::shared_ptr<torch::nn::Module>> GeneratorOwner::networks() {
  std::vector<std::shared_ptr<torch::nn::Module>> nets{generator_};
  if (critic_net_) nets.push_back(critic_net_);
  return nets;
}

}  // namespace ganrun::models
