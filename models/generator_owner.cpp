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
  if (config.pack.empty())
    init_net(*generator_, config.arch, config.seed, kGeneratorNet, config.bn_init);
  generator_->to(config.device, config.dtype);
  opt_g_ = net_optimizer(generator_->parameters(), config, &VariantConfig::PackMember::opt_g,
                         config.opt_g);
}

void GeneratorOwner::set_critic_net(std::shared_ptr<torch::nn::Module> net) {
  critic_net_ = std::move(net);
  if (config_.pack.empty())
    init_net(*critic_net_, config_.arch, config_.seed, kDiscriminatorNet, config_.bn_init);
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

void GeneratorOwner::save_tensor(torch::serialize::OutputArchive& archive, const std::string& key,
                                 const torch::Tensor& t) {
  if (t.defined()) archive.write(key, t.detach());
}

void GeneratorOwner::load_tensor(torch::serialize::InputArchive& archive, const std::string& key,
                                 torch::Tensor& target) {
  torch::Tensor stored;
  if (!archive.try_read(key, stored)) return;
  torch::NoGradGuard no_grad;
  if (target.defined())
    target.copy_(stored);
  else
    target = stored;  // the archive was loaded onto the run's device
}

void GeneratorOwner::save_training_state(torch::serialize::OutputArchive& archive) {
  const auto nets = networks();
  for (size_t n = 0; n < nets.size(); ++n) {
    torch::serialize::OutputArchive net;
    nets[n]->save(net);
    archive.write("net" + std::to_string(n), net);
  }
  torch::serialize::OutputArchive g, d;
  opt_g_->save(g);
  opt_d_->save(d);
  archive.write("opt_g", g);
  archive.write("opt_d", d);
  if (auto* critic = dynamic_cast<CriticNet*>(critic_net_.get())) {
    const auto state = critic->random_state();
    for (size_t i = 0; i < state.size(); ++i)
      archive.write("critic_random" + std::to_string(i), state[i]);
  }
}

void GeneratorOwner::load_training_state(torch::serialize::InputArchive& archive) {
  const auto nets = networks();
  for (size_t n = 0; n < nets.size(); ++n) {
    torch::serialize::InputArchive net;
    if (!archive.try_read("net" + std::to_string(n), net))
      throw std::invalid_argument("the checkpoint holds fewer networks than the run has");
    nets[n]->load(net);
  }
  torch::serialize::InputArchive g, d;
  archive.read("opt_g", g);
  archive.read("opt_d", d);
  opt_g_->load(g);
  opt_d_->load(d);
  if (auto* critic = dynamic_cast<CriticNet*>(critic_net_.get())) {
    std::vector<torch::Tensor> state;
    torch::Tensor t;
    while (archive.try_read("critic_random" + std::to_string(state.size()), t)) {
      state.push_back(t.to(torch::kCPU));
      t = torch::Tensor();
    }
    if (!state.empty()) critic->set_random_state(state);
  }
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
